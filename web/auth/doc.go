// Package auth decides who a request is and whether it may proceed: the
// tenant behind an API key (bearer token) or a signed session cookie, the
// cross-site checks for state-changing requests (the logic of Go's
// http.CrossOriginProtection: Sec-Fetch-Site first, then Origin against
// Host), the client address behind trusted proxies only, and the one rate
// limiter every entry point shares (REST, WebSocket messages, live
// sessions), keyed by tenant, then by client address.
//
// Its errors are sentinels that the web package's single error map turns
// into statuses; this package writes no responses of its own.
package auth
