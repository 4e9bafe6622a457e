// Package deploykit checks the deployment kit at the repository root (the
// Dockerfile, deploy-cloud-run.sh, setup.sh and .env.example), which cannot
// be exercised end to end here: there is no Docker engine and no cloud. It
// has no code of its own, only tests.
package deploykit
