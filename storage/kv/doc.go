// Package kv owns the key-value contract shared by every Symposium
// environment: the Store interface with compare-and-set. Backends live in
// subpackages (bolt for the embedded single-file store, postgres for Cloud
// SQL); kvtest holds the conformance suite every backend must pass.
package kv
