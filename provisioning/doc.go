// Package provisioning is the entry point to Symposium's cloud set-up: the
// `symposium provision` command (RunCLI) and the start-up step (Resolve)
// that, per PROVISIONING_MODE, finds or creates the Google Cloud resources
// and returns their connection settings. The work is done by the platform,
// cost and gcp packages below it.
package provisioning
