package gcp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	redis "google.golang.org/api/redis/v1"
	sqladmin "google.golang.org/api/sqladmin/v1"
)

// passwordObject holds the generated database password in the (private,
// uniform-access, public-access-prevented) bucket: every Cloud Run instance
// can read it back with the service account, and no local disk survives a
// Cloud Run restart anyway.
const passwordObject = "_symposium/cloudsql-password"

// maxSQLAttempts bounds retries of operationInProgress (≈4 minutes with
// the default backoff).
const maxSQLAttempts = 12

// Apply creates what the plan lacks and awaits what an earlier run left
// half-done. It refuses, before any change, a plan over the cost limit.
// It returns the plan it acted on.
func (p *Provisioner) Apply(ctx context.Context) (*Plan, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, err := p.Plan(ctx)
	if err != nil {
		return nil, err
	}
	if err := pl.CheckCost(); err != nil {
		return pl, err
	}
	if len(pl.Pending()) == 0 {
		return pl, nil
	}
	if pl.action(KindBucket) == Create {
		if err := p.createBucket(ctx); err != nil {
			return pl, err
		}
	}
	password, fresh, err := p.ensurePassword(ctx)
	if err != nil {
		return pl, err
	}
	// Memorystore takes minutes; start it and let it run while Cloud SQL,
	// which also takes minutes, is driven step by step.
	var redisOp *redis.Operation
	if pl.action(KindRedis) == Create {
		if redisOp, err = p.createRedis(ctx); err != nil {
			return pl, err
		}
	}
	if err := p.applySQL(ctx, pl, password, fresh); err != nil {
		return pl, err
	}
	if pl.action(KindRedis) != Exists {
		if err := p.awaitRedis(ctx, redisOp); err != nil {
			return pl, err
		}
	}
	p.log.InfoContext(ctx, "provisioning applied", "project", p.cfg.ProjectID, "resources", len(pl.Pending()))
	return pl, nil
}

func (p *Provisioner) createBucket(ctx context.Context) error {
	err := p.gcs.Bucket(p.names.Bucket).Create(ctx, p.cfg.ProjectID, &storage.BucketAttrs{
		Location:                 p.cfg.Region,
		StorageClass:             "STANDARD",
		UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true},
		PublicAccessPrevention:   storage.PublicAccessPreventionEnforced,
		Labels:                   map[string]string{"managed-by": "symposium"},
	})
	switch {
	case isCode(err, http.StatusConflict):
		fmt.Fprintf(p.progress, "%s %s: already exists\n", KindBucket, p.names.Bucket)
	case err != nil:
		return fmt.Errorf("create bucket %s: %w", p.names.Bucket, err)
	default:
		fmt.Fprintf(p.progress, "%s %s: created\n", KindBucket, p.names.Bucket)
	}
	return nil
}

// ensurePassword reads the stored password, or generates and stores one.
// fresh reports a new password, which an existing user must be given.
func (p *Provisioner) ensurePassword(ctx context.Context) (password string, fresh bool, err error) {
	if pw, err := p.readPassword(ctx); err == nil {
		return pw, false, nil
	} else if !errors.Is(err, storage.ErrObjectNotExist) {
		return "", false, err
	}
	pw := rand.Text() // 26 base32 characters, 130 bits
	w := p.gcs.Bucket(p.names.Bucket).Object(passwordObject).If(storage.Conditions{DoesNotExist: true}).NewWriter(ctx)
	w.ContentType = "text/plain"
	_, werr := w.Write([]byte(pw))
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if isCode(werr, http.StatusPreconditionFailed) {
		// Another instance stored one first; use theirs.
		pw, err := p.readPassword(ctx)
		return pw, false, err
	}
	if werr != nil {
		return "", false, fmt.Errorf("store database password: %w", werr)
	}
	fmt.Fprintf(p.progress, "%s: generated and stored in gs://%s/%s\n", KindPassword, p.names.Bucket, passwordObject)
	return pw, true, nil
}

func (p *Provisioner) readPassword(ctx context.Context) (string, error) {
	r, err := p.gcs.Bucket(p.names.Bucket).Object(passwordObject).NewReader(ctx)
	if err != nil {
		return "", fmt.Errorf("read database password: %w", err)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 1024))
	if err != nil {
		return "", fmt.Errorf("read database password: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (p *Provisioner) applySQL(ctx context.Context, pl *Plan, password string, fresh bool) error {
	project, instance := p.cfg.ProjectID, p.names.SQLInstance
	switch pl.action(KindSQLInstance) {
	case Create:
		ip := &sqladmin.IpConfiguration{Ipv4Enabled: p.cfg.Network == "", SslMode: "ENCRYPTED_ONLY"}
		if p.cfg.Network != "" {
			ip.PrivateNetwork = "projects/" + project + "/global/networks/" + p.cfg.Network
		}
		body := &sqladmin.DatabaseInstance{
			Name:            instance,
			Region:          p.cfg.Region,
			DatabaseVersion: "POSTGRES_16",
			Settings: &sqladmin.Settings{
				Tier:             p.cfg.SQLTier,
				Edition:          "ENTERPRISE", // shared-core tiers do not exist in Enterprise Plus
				AvailabilityType: "ZONAL",
				DataDiskType:     "PD_SSD",
				DataDiskSizeGb:   p.cfg.SQLDiskGiB,
				IpConfiguration:  ip,
				UserLabels:       map[string]string{"managed-by": "symposium"},
			},
		}
		if err := p.sqlDo(ctx, KindSQLInstance+" "+instance, func() (*sqladmin.Operation, error) {
			return p.sql.Instances.Insert(project, body).Context(ctx).Do()
		}); err != nil {
			return err
		}
	case Resume:
		if err := p.resumeSQL(ctx); err != nil {
			return err
		}
	}
	if pl.action(KindDatabase) != Exists {
		if err := p.sqlDo(ctx, KindDatabase+" "+p.names.Database, func() (*sqladmin.Operation, error) {
			return p.sql.Databases.Insert(project, instance, &sqladmin.Database{Name: p.names.Database, Charset: "UTF8"}).Context(ctx).Do()
		}); err != nil {
			return err
		}
	}
	user := &sqladmin.User{Name: p.names.User, Password: password}
	switch {
	case pl.action(KindUser) != Exists:
		return p.sqlDo(ctx, KindUser+" "+user.Name, func() (*sqladmin.Operation, error) {
			return p.sql.Users.Insert(project, instance, user).Context(ctx).Do()
		})
	case fresh:
		// The user outlived its stored password: reset it to the new one.
		return p.sqlDo(ctx, KindUser+" "+user.Name+" password", func() (*sqladmin.Operation, error) {
			return p.sql.Users.Update(project, instance, user).Name(user.Name).Context(ctx).Do()
		})
	}
	return nil
}

// resumeSQL finishes an instance an interrupted run left behind: it awaits
// every unfinished operation on it, then the instance itself.
func (p *Provisioner) resumeSQL(ctx context.Context) error {
	ops, err := p.sql.Operations.List(p.cfg.ProjectID).Instance(p.names.SQLInstance).Context(ctx).Do()
	if err != nil {
		return fmt.Errorf("list cloud sql operations: %w", err)
	}
	for _, op := range ops.Items {
		if op.Status != "DONE" {
			fmt.Fprintf(p.progress, "%s %s: resuming %s operation %s\n", KindSQLInstance, p.names.SQLInstance, op.OperationType, op.Name)
			if err := p.awaitSQLOp(ctx, KindSQLInstance+" "+p.names.SQLInstance, op); err != nil {
				return err
			}
		}
	}
	return p.await(ctx, KindSQLInstance+" "+p.names.SQLInstance, func(ctx context.Context) (string, bool, error) {
		inst, err := p.sql.Instances.Get(p.cfg.ProjectID, p.names.SQLInstance).Context(ctx).Do()
		if err != nil {
			return "", false, err
		}
		if inst.State == "FAILED" || inst.State == "SUSPENDED" {
			return "", false, fmt.Errorf("%w: cloud sql instance %s is %s", ErrOperationFailed, inst.Name, inst.State)
		}
		return inst.State, inst.State == "RUNNABLE", nil
	})
}

// sqlDo runs one mutating Cloud SQL call and awaits its operation. Cloud
// SQL accepts one operation per instance at a time and answers others with
// 409 operationInProgress, which is retried with exponential backoff; any
// other 409 on a create means it already exists, which is success.
func (p *Provisioner) sqlDo(ctx context.Context, what string, call func() (*sqladmin.Operation, error)) error {
	delay := p.backoff
	for attempt := 1; ; attempt++ {
		op, err := call()
		if isCode(err, http.StatusConflict) {
			if !hasReason(err, "operationInProgress") {
				fmt.Fprintf(p.progress, "%s: already exists\n", what)
				return nil
			}
			if attempt < maxSQLAttempts {
				fmt.Fprintf(p.progress, "%s: another operation is in progress on the instance; retrying in %s\n", what, delay)
				if err := sleep(ctx, delay); err != nil {
					return fmt.Errorf("%s: %w", what, err)
				}
				delay = min(2*delay, 30*time.Second)
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return p.awaitSQLOp(ctx, what, op)
	}
}

func (p *Provisioner) awaitSQLOp(ctx context.Context, what string, op *sqladmin.Operation) error {
	polled := false // show the state the call returned before polling
	return p.await(ctx, what, func(ctx context.Context) (string, bool, error) {
		if polled && op.Status != "DONE" {
			var err error
			if op, err = p.sql.Operations.Get(p.cfg.ProjectID, op.Name).Context(ctx).Do(); err != nil {
				return "", false, fmt.Errorf("%s: poll operation: %w", what, err)
			}
		}
		polled = true
		if op.Status == "DONE" && op.Error != nil && len(op.Error.Errors) > 0 {
			msgs := make([]string, 0, len(op.Error.Errors))
			for _, e := range op.Error.Errors {
				msgs = append(msgs, e.Code+": "+e.Message)
			}
			return "", false, fmt.Errorf("%w: %s: %s", ErrOperationFailed, what, strings.Join(msgs, "; "))
		}
		return op.Status, op.Status == "DONE", nil
	})
}

func (p *Provisioner) createRedis(ctx context.Context) (*redis.Operation, error) {
	what := KindRedis + " " + p.names.Redis
	inst := &redis.Instance{
		Tier:         "BASIC",
		MemorySizeGb: p.cfg.RedisGiB,
		RedisVersion: "REDIS_7_2",
		Labels:       map[string]string{"managed-by": "symposium"},
	}
	if p.cfg.Network != "" {
		inst.AuthorizedNetwork = "projects/" + p.cfg.ProjectID + "/global/networks/" + p.cfg.Network
	}
	op, err := p.redis.Projects.Locations.Instances.Create(p.redisParent(), inst).InstanceId(p.names.Redis).Context(ctx).Do()
	if isCode(err, http.StatusConflict) {
		fmt.Fprintf(p.progress, "%s: already exists\n", what)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	fmt.Fprintf(p.progress, "%s: create started (%s)\n", what, op.Name)
	return op, nil
}

// awaitRedis waits for the create operation, or, when resuming without
// one, for the instance to become READY.
func (p *Provisioner) awaitRedis(ctx context.Context, op *redis.Operation) error {
	what := KindRedis + " " + p.names.Redis
	if op != nil {
		err := p.await(ctx, what, func(ctx context.Context) (string, bool, error) {
			if !op.Done {
				var err error
				if op, err = p.redis.Projects.Locations.Operations.Get(op.Name).Context(ctx).Do(); err != nil {
					return "", false, fmt.Errorf("%s: poll operation: %w", what, err)
				}
			}
			if op.Done && op.Error != nil {
				return "", false, fmt.Errorf("%w: %s: %s (code %d)", ErrOperationFailed, what, op.Error.Message, op.Error.Code)
			}
			if op.Done {
				return "DONE", true, nil
			}
			return "RUNNING", false, nil
		})
		if err != nil {
			return err
		}
	}
	return p.await(ctx, what, func(ctx context.Context) (string, bool, error) {
		inst, err := p.redis.Projects.Locations.Instances.Get(p.redisName()).Context(ctx).Do()
		if err != nil {
			return "", false, fmt.Errorf("%s: %w", what, err)
		}
		if !slices.Contains([]string{"CREATING", "READY"}, inst.State) {
			return "", false, fmt.Errorf("%w: %s is %s: %s", ErrOperationFailed, what, inst.State, inst.StatusMessage)
		}
		return inst.State, inst.State == "READY", nil
	})
}

func isCode(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}

func hasReason(err error, reason string) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return false
	}
	for _, e := range ge.Errors {
		if e.Reason == reason {
			return true
		}
	}
	return false
}
