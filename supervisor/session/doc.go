// Package session keeps the live sessions of interactive blocks: one live
// page of a block per viewer, alive in the block's isolate, driven by the
// viewer's events and by its own timers. It owns what the runtime does not:
// ids that name their instance, who may use a session (its tenant), the
// per-session event rate, the instance-wide cap, idle endings, timer-driven
// ticks and telling watchers (a viewer's socket) what changed and why a
// session ended. REST and the WebSocket both call the one Manager; with
// several instances, a Forwarder carries requests for another instance's
// sessions to it through Redis, and code changes to every instance.
package session
