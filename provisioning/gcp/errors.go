package gcp

import "errors"

var (
	// ErrConfig means a setting is missing or malformed.
	ErrConfig = errors.New("provisioning config")
	// ErrBadKey means GCP_SERVICE_ACCOUNT_KEY is not a usable service
	// account key; the wrapped message names the problem.
	ErrBadKey = errors.New("GCP_SERVICE_ACCOUNT_KEY")
	// ErrOperationFailed means a long-running cloud operation ended in error.
	ErrOperationFailed = errors.New("cloud operation failed")
	// ErrMissing means resources are absent (manual mode, or Outputs before Apply).
	ErrMissing = errors.New("resources missing")
	// ErrNotReady means a resource exists but is not usable yet.
	ErrNotReady = errors.New("resource not ready")
)
