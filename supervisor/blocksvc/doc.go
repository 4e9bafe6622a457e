// Package blocksvc is the block service: what a content block is beyond
// one execution (its code, display name, data and last output, kept in a
// store) above the isolate runtime that runs it. The REST API and the live
// WebSocket both call it, so a block behaves the same whichever transport
// asked.
package blocksvc
