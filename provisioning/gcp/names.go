package gcp

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Names of the provisioned resources. They are a pure function of the
// project and the service so every run (and every Cloud Run instance) finds
// the same resources:
//
//	bucket:       <project>-<service>-data  (global namespace, ≤63 chars)
//	Cloud SQL:    <service>-pg              (per project, ≤63 chars here)
//	Memorystore:  <service>-redis           (per region, ≤40 chars)
//	database/user: symposium
//
// All are lowercase letters, digits and hyphens, start with a letter and end
// with a letter or digit; a name over its limit keeps a prefix and gains an
// 8-hex-digit hash of the full name so distinct inputs stay distinct.
type Names struct {
	Bucket      string
	SQLInstance string
	Database    string
	User        string
	Redis       string
}

// NamesFor derives the names for project and service.
func NamesFor(project, service string) Names {
	return Names{
		Bucket:      resourceName(project+"-"+service+"-data", 63),
		SQLInstance: resourceName(service+"-pg", 63),
		Database:    "symposium",
		User:        "symposium",
		Redis:       resourceName(service+"-redis", 40),
	}
}

func resourceName(s string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	// Bucket names may not contain "google"; the rule is harmless elsewhere.
	n := strings.ReplaceAll(strings.Trim(b.String(), "-"), "google", "g-oogle")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "s-" + n
	}
	if len(n) > max {
		sum := sha256.Sum256([]byte(n))
		n = strings.TrimRight(n[:max-9], "-") + "-" + hex.EncodeToString(sum[:4])
	}
	return n
}
