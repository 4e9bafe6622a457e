package egress

import "errors"

// A script sees only these texts: which rule refused it, or why a
// connection failed, stays in the supervisor's log, so fetch cannot be used
// to map hosts and ports ("connection refused" against "EOF").
var (
	// ErrInvalidURL: not an absolute http or https URL (the script's own input).
	ErrInvalidURL = errors.New("fetch URL must be an absolute http:// or https:// URL")
	// ErrRefused: no allowlist rule permits the URL or a redirect of it, or
	// the address a name resolved to is one a block may not reach.
	ErrRefused = errors.New("fetch refused")
	// ErrFailed: the request could not be completed (unreachable, reset,
	// timed out, too many redirects).
	ErrFailed = errors.New("fetch failed")
	// ErrTooLarge: the response body exceeds the size cap.
	ErrTooLarge = errors.New("fetch failed: response too large")
	// ErrBadAllowlist: FETCH_ALLOWLIST holds an entry that is not a rule.
	ErrBadAllowlist = errors.New("invalid FETCH_ALLOWLIST")
)

// Error is a refusal or failure with the detail kept for the log. Its text is
// the generic one of Kind.
type Error struct {
	Kind   error
	Detail string
}

func (e *Error) Error() string { return e.Kind.Error() }
func (e *Error) Unwrap() error { return e.Kind }
