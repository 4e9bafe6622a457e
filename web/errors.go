package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web/auth"
)

// errBadRequest wraps every request validation problem (answered 400).
var errBadRequest = errors.New("bad request")

// ErrTooManyConns: over the live hub's cap on WebSocket connections of one
// tenant or one address (429).
var ErrTooManyConns = errors.New("too many live connections")

// Problem is how a service error reaches a client: the REST API answers
// Status with {"code","message"} (and Retry-After); the live WebSocket
// sends {"type":"error","code","message","retryAfter"}.
type Problem struct {
	Status     int
	Code       string
	Message    string
	RetryAfter int // seconds; 0 for none
}

// ProblemFor is the one mapping from the block service's and the runtime's
// errors to what a client is told, for every transport. It never carries
// internals; ok is false for an error it does not know (a client is told
// "internal" and the log gets the rest).
func ProblemFor(err error) (Problem, bool) {
	switch {
	case err == nil:
		return Problem{}, false
	case errors.Is(err, blocksvc.ErrUnknownBlock):
		return Problem{http.StatusNotFound, "not_found", "no content block with that id; create it with POST /api/execute-content-block", 0}, true
	case errors.Is(err, blocksvc.ErrTooLarge):
		return Problem{http.StatusRequestEntityTooLarge, "block_too_large", detail(err, blocksvc.ErrTooLarge), 0}, true
	case errors.Is(err, blocksvc.ErrTenantRate), errors.Is(err, blocksvc.ErrTenantIsolates):
		// A tenant's execution rate or isolates: waiting lifts it.
		wait := 1
		var qe *blocksvc.QuotaError
		if errors.As(err, &qe) {
			wait = max(1, int((qe.RetryAfter+time.Second-1)/time.Second))
		}
		code := "execution_quota"
		if errors.Is(err, blocksvc.ErrTenantIsolates) {
			code = "isolate_quota"
		}
		return Problem{http.StatusTooManyRequests, code, detail(err, blocksvc.ErrQuota), wait}, true
	case errors.Is(err, blocksvc.ErrQuota):
		return Problem{http.StatusInsufficientStorage, "quota_exceeded", detail(err, blocksvc.ErrQuota), 0}, true
	case errors.Is(err, blocksvc.ErrDeleted):
		return Problem{http.StatusConflict, "block_deleted", "the block was deleted while it executed; the delete won and nothing of this execution was stored", 0}, true
	case errors.Is(err, isolate.ErrCapacity):
		return Problem{http.StatusServiceUnavailable, "no_capacity", "every isolate is executing right now; try again in a moment", 1}, true
	case errors.Is(err, blocksvc.ErrStorage):
		return Problem{http.StatusServiceUnavailable, "storage_unavailable", "block storage is not answering; try again shortly", 5}, true
	case errors.Is(err, isolate.ErrSpawn), errors.Is(err, isolate.ErrInstance):
		return Problem{http.StatusServiceUnavailable, "runner_unavailable", "no sandbox runner could be started for this block; see /api/health and try again shortly", 5}, true
	case errors.Is(err, isolate.ErrClosed):
		return Problem{http.StatusServiceUnavailable, "shutting_down", "the server is shutting down", 5}, true
	case errors.Is(err, auth.ErrUnauthenticated):
		return Problem{http.StatusUnauthorized, "unauthenticated", auth.ErrUnauthenticated.Error(), 0}, true
	case errors.Is(err, auth.ErrCrossSite):
		return Problem{http.StatusForbidden, "cross_site", auth.ErrCrossSite.Error(), 0}, true
	case errors.Is(err, auth.ErrContentType):
		return Problem{http.StatusUnsupportedMediaType, "unsupported_media_type", auth.ErrContentType.Error(), 0}, true
	case errors.Is(err, auth.ErrForbidden):
		return Problem{http.StatusForbidden, "forbidden", auth.ErrForbidden.Error(), 0}, true
	case errors.Is(err, auth.ErrRateLimited):
		wait := 60
		var le *auth.LimitError
		if errors.As(err, &le) {
			wait = max(1, int((le.RetryAfter+time.Second-1)/time.Second))
		}
		return Problem{http.StatusTooManyRequests, "rate_limited", "too many requests from this client; wait and try again", wait}, true
	case errors.Is(err, ErrTooManyConns):
		return Problem{http.StatusTooManyRequests, "too_many_connections", "too many live connections from this tenant or address; close a tab and try again", 5}, true
	case errors.Is(err, session.ErrSessionGone), errors.Is(err, isolate.ErrNoSession):
		msg := "no such live session: it ended or never existed here; open a new one (POST /api/content-block/:id/sessions, or session.open on /ws)"
		var ge *session.GoneError
		if errors.As(err, &ge) && ge.Reason != "" {
			msg = "the live session ended (" + string(ge.Reason) + "); open a new one (POST /api/content-block/:id/sessions, or session.open on /ws)"
		}
		return Problem{http.StatusNotFound, "session_gone", msg, 0}, true
	case errors.Is(err, session.ErrSessionMoved):
		inst := ""
		var me *session.MovedError
		if errors.As(err, &me) {
			inst = " (" + me.Instance + ")"
		}
		return Problem{http.StatusConflict, "session_moved", "this live session is held by another instance of the service" + inst +
			" and this one cannot reach it: send its events to the instance that opened it (keep the connection, or enable session affinity in front of the instances), or open a new session here", 0}, true
	case errors.Is(err, isolate.ErrNoTarget):
		return Problem{http.StatusBadRequest, "no_target", noTargetText(err), 0}, true
	case errors.Is(err, session.ErrInvalidEvent):
		return Problem{http.StatusBadRequest, "invalid_event", detail(err, session.ErrInvalidEvent), 0}, true
	case errors.Is(err, isolate.ErrInvalidEvent):
		return Problem{http.StatusBadRequest, "invalid_event", strings.TrimPrefix(detail(err, isolate.ErrInvalidEvent), "isolate: "), 0}, true
	case errors.Is(err, session.ErrRateLimited):
		wait := 1
		var re *session.RateError
		if errors.As(err, &re) {
			wait = max(1, int((re.RetryAfter+time.Second-1)/time.Second))
		}
		return Problem{http.StatusTooManyRequests, "session_rate_limited", "this live session gets events faster than SESSION_EVENTS_PER_SECOND allows; slow down and try again", wait}, true
	case errors.Is(err, session.ErrOwnerLimit):
		return Problem{http.StatusTooManyRequests, "session_quota", "your tenant holds its maximum of live sessions on this server (MAX_SESSIONS_PER_TENANT); close some or let them go idle", 5}, true
	case errors.Is(err, session.ErrSessionLimit):
		return Problem{http.StatusServiceUnavailable, "session_limit", "this server holds its maximum of live sessions (MAX_SESSIONS); close one or try again later", 5}, true
	case errors.Is(err, isolate.ErrSessionLimit):
		return Problem{http.StatusServiceUnavailable, "session_limit", "the block's isolate holds its maximum of live sessions (SESSIONS_PER_ISOLATE); close one or try again later", 5}, true
	case errors.Is(err, session.ErrClosed):
		return Problem{http.StatusServiceUnavailable, "shutting_down", "the server is shutting down", 5}, true
	case errors.Is(err, errNoSessions):
		return Problem{http.StatusServiceUnavailable, "sessions_disabled", "live sessions are not enabled on this server", 0}, true
	case errors.Is(err, context.Canceled):
		return Problem{499, "cancelled", "the request was cancelled", 0}, true
	}
	return Problem{}, false
}

// noTargetText is the runtime's words for a target that matches nothing
// (they name the selector), without the sentinels' prefixes.
func noTargetText(err error) string {
	msg := err.Error()
	for _, p := range []string{isolate.ErrNoTarget.Error() + ": ", "isolate: ", "ipc: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	if msg == "" || msg == isolate.ErrNoTarget.Error() {
		return "the event's target matches no element in the live page"
	}
	return msg
}

// detail is the actionable text a service error adds after its sentinel
// (sizes and limits, never internals).
func detail(err, sentinel error) string {
	return strings.TrimPrefix(err.Error(), sentinel.Error()+": ")
}

// Internal is what a client is told of an error ProblemFor does not know.
var Internal = Problem{http.StatusInternalServerError, "internal", "internal error; see the server log", 0}
