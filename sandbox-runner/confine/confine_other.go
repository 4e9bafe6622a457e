//go:build !linux

package confine

// Apply is Linux-only; elsewhere the runner must not run untrusted code.
func Apply(Options) error { return ErrUnsupported }

// Current is Linux-only.
func Current() (Status, error) { return Status{}, ErrUnsupported }
