// Package egress performs symposium.fetch(url) on a block's behalf: the
// supervisor, not the sandbox, makes the request, and only where a rule of
// FETCH_ALLOWLIST (scheme, host and port) permits it. The address a name
// resolves to is checked at connect time, after DNS, so an allowlisted name
// cannot be pointed at loopback, private, link-local or metadata addresses
// (only a rule naming such an IP literally reaches it), redirects are checked
// again at every hop, and a script only ever reads "fetch refused" or "fetch
// failed": the reason goes to the log.
package egress
