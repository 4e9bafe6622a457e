package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/symposium/symposium/storage/apikeys"
)

const keysUsage = `usage: symposium keys create --tenant NAME [--admin] [--name LABEL]
       symposium keys list
       symposium keys revoke ID`

// keysCLI manages API keys in the configured kv store. The secret of a new
// key is printed once; only its hash is kept.
func keysCLI(ctx context.Context, args []string, keys *apikeys.Store, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, keysUsage)
		return 2
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
		fs.SetOutput(stderr)
		tenant := fs.String("tenant", "", "the tenant the key acts for (a-z, 0-9, -)")
		admin := fs.Bool("admin", false, "the key sees the whole system (metrics, every isolate)")
		name := fs.String("name", "", "a label to recognise the key by in 'keys list'")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if *tenant == "" {
			fmt.Fprintln(stderr, "symposium keys create: --tenant is required")
			return 2
		}
		secret, k, err := keys.Create(ctx, *tenant, *name, *admin)
		if err != nil {
			fmt.Fprintln(stderr, "symposium keys create:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", secret)
		fmt.Fprintf(stderr, "created key %s for tenant %s%s; the secret above is shown once and cannot be recovered\n",
			k.ID, k.Tenant, map[bool]string{true: " (admin)", false: ""}[k.Admin])
		return 0
	case "list":
		ks, err := keys.List(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "symposium keys list:", err)
			return 1
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tTENANT\tADMIN\tNAME\tCREATED\tREVOKED")
		for _, k := range ks {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%s\t%s\t%v\t%s\t%s\t%s\n", k.ID, k.Tenant, k.Admin, k.Name, k.CreatedAt.Format("2006-01-02 15:04"), revoked)
		}
		w.Flush()
		return 0
	case "revoke":
		if len(args) != 2 {
			fmt.Fprintln(stderr, keysUsage)
			return 2
		}
		if err := keys.Revoke(ctx, args[1]); err != nil {
			fmt.Fprintln(stderr, "symposium keys revoke:", err)
			return 1
		}
		fmt.Fprintf(stderr, "revoked key %s; requests and sessions with it fail from now on\n", args[1])
		return 0
	}
	fmt.Fprintln(stderr, keysUsage)
	return 2
}
