// Package kvtest is the conformance suite every kv.Store backend runs: the
// same cases, so the embedded and the cloud backends behave identically.
package kvtest
