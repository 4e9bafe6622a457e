// Package egress performs symposium.fetch(url) on a block's behalf: the
// supervisor, not the sandbox, makes the request, and only to http(s) hosts
// on the FETCH_ALLOWLIST, with a timeout, a response size cap and redirects
// re-checked against the allowlist.
package egress
