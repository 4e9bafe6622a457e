package egress

import "errors"

var (
	// ErrInvalidURL: not an absolute http or https URL.
	ErrInvalidURL = errors.New("fetch URL must be an absolute http:// or https:// URL")
	// ErrNotAllowed: the host (or a redirect's host) is not allowlisted.
	ErrNotAllowed = errors.New("fetch refused: host is not on the allowlist")
	// ErrTooManyRedirects: the redirect chain is too long.
	ErrTooManyRedirects = errors.New("fetch refused: too many redirects")
	// ErrTooLarge: the response body exceeds the size cap.
	ErrTooLarge = errors.New("fetch response too large")
	// ErrTimeout: the request did not complete in time.
	ErrTimeout = errors.New("fetch timed out")
	// ErrUnavailable: the host could not be reached.
	ErrUnavailable = errors.New("fetch failed: host unreachable")
	// ErrBadAllowlist: FETCH_ALLOWLIST holds something that is not a host name.
	ErrBadAllowlist = errors.New("invalid FETCH_ALLOWLIST")
)
