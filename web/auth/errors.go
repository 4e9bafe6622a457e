package auth

import "errors"

var (
	// ErrUnauthenticated: no valid key or session (401).
	ErrUnauthenticated = errors.New("sign in: send an API key as 'Authorization: Bearer <key>' or sign in on the page")
	// ErrCrossSite: a state-changing request from another site (403).
	ErrCrossSite = errors.New("cross-site request refused: send it from this site's own page, or without a browser")
	// ErrContentType: a state-changing request whose body is not JSON (415).
	ErrContentType = errors.New("send the body as JSON with 'Content-Type: application/json'")
	// ErrForbidden: an admin-only view asked for by a tenant key (403).
	ErrForbidden = errors.New("this needs an admin key")
	// ErrRateLimited: over the rate limit (429); see RetryAfter.
	ErrRateLimited = errors.New("too many requests; slow down")
	// ErrBadConfig: an AUTH_MODE or TRUSTED_PROXIES value that cannot be used.
	ErrBadConfig = errors.New("invalid auth configuration")
)
