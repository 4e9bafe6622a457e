package provisioning

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/symposium/symposium/provisioning/cost"
	"github.com/symposium/symposium/provisioning/gcp"
	"github.com/symposium/symposium/provisioning/platform"
)

// Exit codes of RunCLI.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitRefused = 3 // the plan is over COST_LIMIT; nothing was created
)

const usage = `Usage: symposium provision <command>

Commands:
  plan     show what exists, what would be created, and the monthly cost
  apply    create what is missing (refused over COST_LIMIT), await what an
           interrupted run left, and print the connection settings
  outputs  print DATABASE_URL, REDIS_URL and GCS_BUCKET as .env lines
           (DATABASE_URL contains the database password)

The command always acts on Google Cloud, whatever PROVISIONING_MODE says;
the mode only governs what the server does at start-up. Settings:
GCP_PROJECT_ID, GCP_REGION, GCP_SERVICE_ACCOUNT_KEY, COST_LIMIT,
PRICE_TABLE, CLOUDSQL_TIER, ... (see provisioning/README.md).

Exit status: 0 ok, 1 error, 2 usage, 3 refused by COST_LIMIT.
`

// RunCLI runs `symposium provision <args>` and returns the exit status.
func RunCLI(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, logger *slog.Logger) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	cmd := args[0]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	case "plan", "apply", "outputs":
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "provision %s: %v\n", cmd, err)
		if errors.Is(err, cost.ErrOverLimit) {
			return ExitRefused
		}
		return ExitError
	}
	env, err := platform.Detect(ctx, getenv)
	if err != nil {
		return fail(err)
	}
	cfg, err := gcp.LoadConfig(func(k string) string {
		if k == "PROVISIONING_MODE" {
			return string(gcp.Auto)
		}
		return getenv(k)
	}, env)
	if err != nil {
		return fail(err)
	}
	p, err := newProvisioner(ctx, cfg, getenv, logger, stdout)
	if err != nil {
		return fail(err)
	}
	defer p.Close()
	fmt.Fprintf(stdout, "Project %s, region %s, service %s (%s environment)\n", cfg.ProjectID, cfg.Region, cfg.Service, env.Name)

	switch cmd {
	case "plan":
		pl, err := p.Plan(ctx)
		if err != nil {
			return fail(err)
		}
		pl.Print(stdout)
		if err := pl.CheckCost(); err != nil {
			fmt.Fprintf(stdout, "apply would be refused: %v\n", err)
		}
	case "apply":
		pl, err := p.Plan(ctx)
		if err != nil {
			return fail(err)
		}
		pl.Print(stdout)
		if pl, err = p.Apply(ctx); err != nil {
			return fail(err)
		}
		out, err := p.Outputs(ctx)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "Apply complete: %d created or resumed.\n", len(pl.Pending()))
		printOutputs(stdout, out.Redacted())
	case "outputs":
		out, err := p.Outputs(ctx)
		if err != nil {
			return fail(err)
		}
		printOutputs(stdout, out)
	}
	return ExitOK
}

func printOutputs(w io.Writer, o gcp.Outputs) {
	fmt.Fprintf(w, "DATABASE_URL=%s\nREDIS_URL=%s\nGCS_BUCKET=%s\n", o.DatabaseURL, o.RedisURL, o.GCSBucket)
}
