package gcp

import (
	"regexp"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	n := NamesFor("demo-project", "symposium")
	want := Names{Bucket: "demo-project-symposium-data", SQLInstance: "symposium-pg", Database: "symposium", User: "symposium", Redis: "symposium-redis"}
	if n != want {
		t.Fatalf("got %+v", n)
	}
	valid := regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	long := strings.Repeat("Very_Long.Service ", 6)
	for _, svc := range []string{"My_Service", "9lives", long, long + "2", "google-things", "--"} {
		n := NamesFor("a-project-with-a-rather-long-identifier", svc)
		for _, c := range []struct {
			name string
			max  int
		}{{n.Bucket, 63}, {n.SQLInstance, 63}, {n.Redis, 40}} {
			if !valid.MatchString(c.name) || len(c.name) > c.max || strings.Contains(c.name, "google") {
				t.Errorf("service %q: invalid name %q", svc, c.name)
			}
		}
		if n != NamesFor("a-project-with-a-rather-long-identifier", svc) {
			t.Errorf("service %q: names are not deterministic", svc)
		}
	}
	if NamesFor("p", long).Redis == NamesFor("p", long+"2").Redis {
		t.Error("truncated names collide")
	}
}
