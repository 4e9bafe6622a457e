package gcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"github.com/symposium/symposium/provisioning/cost"
)

// Action is what Apply will do with a resource.
type Action string

// Actions.
const (
	Exists Action = "exists" // present and ready; left alone
	Create Action = "create" // absent; Apply creates it
	Resume Action = "resume" // being created (an earlier run); Apply awaits it
)

// Resource kinds.
const (
	KindBucket      = "storage bucket"
	KindPassword    = "database password"
	KindSQLInstance = "cloud sql instance"
	KindDatabase    = "cloud sql database"
	KindUser        = "cloud sql user"
	KindRedis       = "memorystore instance"
)

// Resource is one line of a plan.
type Resource struct {
	Kind       string
	Name       string
	Action     Action
	State      string // the cloud's state for an existing resource
	Detail     string // size and tier
	MonthlyUSD float64
}

// Plan is the state of the project against what Symposium needs.
type Plan struct {
	Resources []Resource
	TotalUSD  float64 // monthly, all resources once applied
	LimitUSD  float64
}

// Pending lists the resources Apply would create or await.
func (pl *Plan) Pending() []Resource {
	var out []Resource
	for _, r := range pl.Resources {
		if r.Action != Exists {
			out = append(out, r)
		}
	}
	return out
}

func (pl *Plan) action(kind string) Action {
	for _, r := range pl.Resources {
		if r.Kind == kind {
			return r.Action
		}
	}
	return ""
}

// Print writes the plan as a table followed by the cost summary.
func (pl *Plan) Print(w io.Writer) {
	for _, r := range pl.Resources {
		state := ""
		if r.State != "" {
			state = " [" + r.State + "]"
		}
		fmt.Fprintf(w, "  %-7s %-21s %s%s  %s  $%.2f/month\n", r.Action, r.Kind, r.Name, state, r.Detail, r.MonthlyUSD)
	}
	fmt.Fprintf(w, "%d to create or resume, %d existing. Estimated total $%.2f/month (limit $%.2f).\n",
		len(pl.Pending()), len(pl.Resources)-len(pl.Pending()), pl.TotalUSD, pl.LimitUSD)
}

// Plan inspects the project; it changes nothing.
func (p *Provisioner) Plan(ctx context.Context) (*Plan, error) {
	pl := &Plan{LimitUSD: p.cfg.CostLimit}
	add := func(r Resource) { pl.Resources = append(pl.Resources, r); pl.TotalUSD += r.MonthlyUSD }

	bucket := Resource{Kind: KindBucket, Name: p.names.Bucket, Action: Exists,
		Detail: fmt.Sprintf("STANDARD, %s, ~%g GB", p.cfg.Region, p.cfg.StorageGB), MonthlyUSD: p.cfg.Prices.Storage(p.cfg.StorageGB)}
	password := Resource{Kind: KindPassword, Name: "gs://" + p.names.Bucket + "/" + passwordObject, Action: Exists}
	if _, err := p.gcs.Bucket(p.names.Bucket).Attrs(ctx); errors.Is(err, storage.ErrBucketNotExist) {
		bucket.Action, password.Action = Create, Create
	} else if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", p.names.Bucket, err)
	} else if _, err := p.gcs.Bucket(p.names.Bucket).Object(passwordObject).Attrs(ctx); errors.Is(err, storage.ErrObjectNotExist) {
		password.Action = Create
	} else if err != nil {
		return nil, fmt.Errorf("password object: %w", err)
	}
	add(bucket)
	add(password)

	inst := Resource{Kind: KindSQLInstance, Name: p.names.SQLInstance, Action: Create}
	tier, disk := p.cfg.SQLTier, p.cfg.SQLDiskGiB
	db := Resource{Kind: KindDatabase, Name: p.names.Database, Action: Create}
	user := Resource{Kind: KindUser, Name: p.names.User, Action: Create}
	found, err := p.sql.Instances.Get(p.cfg.ProjectID, p.names.SQLInstance).Context(ctx).Do()
	switch {
	case isNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("cloud sql instance %s: %w", p.names.SQLInstance, err)
	default:
		inst.Action, inst.State = Exists, found.State
		if found.State != "RUNNABLE" {
			inst.Action = Resume
		}
		if s := found.Settings; s != nil {
			tier, disk = s.Tier, s.DataDiskSizeGb
		}
		if inst.Action == Exists {
			if db.Action, err = p.sqlDatabaseAction(ctx); err != nil {
				return nil, err
			}
			if user.Action, err = p.sqlUserAction(ctx); err != nil {
				return nil, err
			}
		}
	}
	if inst.MonthlyUSD, err = p.cfg.Prices.CloudSQL(tier, disk); err != nil {
		return nil, err
	}
	inst.Detail = fmt.Sprintf("POSTGRES_16, %s, %d GiB SSD", tier, disk)
	add(inst)
	add(db)
	add(user)

	r := Resource{Kind: KindRedis, Name: p.names.Redis, Action: Create}
	gib := p.cfg.RedisGiB
	ri, err := p.redis.Projects.Locations.Instances.Get(p.redisName()).Context(ctx).Do()
	switch {
	case isNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("memorystore instance %s: %w", p.names.Redis, err)
	default:
		r.Action, r.State, gib = Exists, ri.State, ri.MemorySizeGb
		if ri.State != "READY" {
			r.Action = Resume
		}
	}
	r.MonthlyUSD = p.cfg.Prices.Memorystore(gib)
	r.Detail = fmt.Sprintf("BASIC, %d GiB, %s", gib, p.cfg.Region)
	add(r)
	return pl, nil
}

func (p *Provisioner) sqlDatabaseAction(ctx context.Context) (Action, error) {
	_, err := p.sql.Databases.Get(p.cfg.ProjectID, p.names.SQLInstance, p.names.Database).Context(ctx).Do()
	switch {
	case isNotFound(err):
		return Create, nil
	case err != nil:
		return "", fmt.Errorf("cloud sql database %s: %w", p.names.Database, err)
	}
	return Exists, nil
}

func (p *Provisioner) sqlUserAction(ctx context.Context) (Action, error) {
	users, err := p.sql.Users.List(p.cfg.ProjectID, p.names.SQLInstance).Context(ctx).Do()
	if err != nil {
		return "", fmt.Errorf("cloud sql users: %w", err)
	}
	for _, u := range users.Items {
		if u.Name == p.names.User {
			return Exists, nil
		}
	}
	return Create, nil
}

// CheckCost refuses a plan that creates something and whose total exceeds
// the limit. A plan that creates nothing is never refused: it costs nothing
// new.
func (pl *Plan) CheckCost() error {
	for _, r := range pl.Pending() {
		if r.Action == Create {
			return cost.CheckLimit(pl.TotalUSD, pl.LimitUSD)
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusNotFound
}

func (p *Provisioner) redisParent() string {
	return "projects/" + p.cfg.ProjectID + "/locations/" + p.cfg.Region
}

func (p *Provisioner) redisName() string {
	return p.redisParent() + "/instances/" + p.names.Redis
}
