// Package deploykit checks the deployment kit at the repository root: the
// Dockerfile, deploy-cloud-run.sh, setup.sh and .env.example. It has no code
// of its own, only tests. There is no Docker engine and no cloud here, so
// the image is built and run with podman by `make test-image`
// (test-image.sh, then the TestImage* checks, which skip without the
// SYMPOSIUM_IMAGE it sets), and the deploy script is checked through its
// --dry-run.
package deploykit
