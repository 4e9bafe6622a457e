package confine

import "errors"

var (
	// ErrUnsupported: this platform, kernel or libseccomp cannot confine.
	ErrUnsupported = errors.New("confine: unsupported")
	// ErrApplied: Apply was already called; a second filter load would be
	// killed by the first filter.
	ErrApplied = errors.New("confine: already applied")
	// ErrRlimit: setting a resource limit failed.
	ErrRlimit = errors.New("confine: setrlimit")
	// ErrNoNewPrivs: PR_SET_NO_NEW_PRIVS failed.
	ErrNoNewPrivs = errors.New("confine: no_new_privs")
	// ErrFilter: building or loading the seccomp filter failed.
	ErrFilter = errors.New("confine: seccomp filter")
	// ErrStatus: reading the confinement status failed.
	ErrStatus = errors.New("confine: status")
)
