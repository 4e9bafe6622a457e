// Package ipc owns the protocol between the supervisor and a sandbox-runner
// isolate: the go-plugin handshake, the plugin set, and the gRPC client and
// server glue around the generated code in sandboxpb. It imports nothing of
// Symposium's own, so both sides can depend on it.
package ipc
