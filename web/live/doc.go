// Package live owns the UI's WebSocket at /ws: it validates and runs the
// edits and commands browser tabs send, and pushes execution results, block
// changes, isolate lifecycle events, per-second kernel figures and resource
// alerts back to every tab. With Redis configured, block changes fan out to
// the tabs of every supervisor instance through pub/sub.
package live
