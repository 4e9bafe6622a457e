package gcp

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// Outputs are the connection settings of the provisioned resources, named
// after the storage layer's DATABASE_URL, REDIS_URL and GCS_BUCKET.
type Outputs struct {
	DatabaseURL string `json:"database_url"`
	RedisURL    string `json:"redis_url"`
	GCSBucket   string `json:"gcs_bucket"`
}

// Redacted hides the database password, for logs.
func (o Outputs) Redacted() Outputs {
	if u, err := url.Parse(o.DatabaseURL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			o.DatabaseURL = u.String()
		}
	}
	return o
}

// Outputs reads the connection settings back from the cloud. It fails
// with ErrMissing or ErrNotReady until Apply has completed.
func (p *Provisioner) Outputs(ctx context.Context) (Outputs, error) {
	out := Outputs{GCSBucket: p.names.Bucket}
	password, err := p.readPassword(ctx)
	if err != nil {
		return out, fmt.Errorf("%w: %w", ErrMissing, err)
	}
	inst, err := p.sql.Instances.Get(p.cfg.ProjectID, p.names.SQLInstance).Context(ctx).Do()
	if err != nil {
		return out, fmt.Errorf("%w: cloud sql instance %s: %w", ErrMissing, p.names.SQLInstance, err)
	}
	// A private address is reachable from Cloud Run through the VPC and
	// never leaves Google's network; the public one is the fallback.
	var ip string
	for _, want := range []string{"PRIVATE", "PRIMARY"} {
		for _, a := range inst.IpAddresses {
			if ip == "" && a.Type == want {
				ip = a.IpAddress
			}
		}
	}
	if ip == "" || inst.State != "RUNNABLE" {
		return out, fmt.Errorf("%w: cloud sql instance %s is %s with no IP address yet", ErrNotReady, inst.Name, inst.State)
	}
	out.DatabaseURL = (&url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(p.names.User, password),
		Host:     net.JoinHostPort(ip, "5432"),
		Path:     "/" + p.names.Database,
		RawQuery: "sslmode=require", // the instance accepts encrypted connections only
	}).String()

	ri, err := p.redis.Projects.Locations.Instances.Get(p.redisName()).Context(ctx).Do()
	if err != nil {
		return out, fmt.Errorf("%w: memorystore instance %s: %w", ErrMissing, p.names.Redis, err)
	}
	if ri.State != "READY" || ri.Host == "" {
		return out, fmt.Errorf("%w: memorystore instance %s is %s", ErrNotReady, p.names.Redis, ri.State)
	}
	out.RedisURL = "redis://" + net.JoinHostPort(ri.Host, strconv.FormatInt(ri.Port, 10)) + "/0"
	return out, nil
}
