// Package netguard wraps the HTTP server's listener so that neither
// descriptor exhaustion nor one client can take the server down: Accept
// errors that pass (EMFILE, ENFILE, ECONNABORTED, ENOBUFS, ...) are retried
// with a backoff, as Go's net/http does, instead of reaching fasthttp, which
// treats every Accept error as fatal and stops serving; connections are
// capped per client address and in total, and the overflow is answered
// with a minimal 503 and closed before any handler or buffer is spent on it.
//
// The listener bounds how many connections exist; the server's own
// timeouts bound how long each may sit idle or half-sent. fasthttp has no
// separate header timeout: ReadTimeout runs from the start of a request
// (its first byte, for keep-alive connections after IdleTimeout) to the end
// of its body, so it is also what drops a slowloris client. Recommended:
//
//	ReadTimeout:  10 * time.Second // a whole request, headers and a 1 MiB body
//	WriteTimeout: 30 * time.Second // one response's write, not the handler's run
//	IdleTimeout:  60 * time.Second // keep-alive wait for the next request
//	Concurrency:  Config.MaxConns  // fasthttp's worker cap, equal to ours
package netguard
