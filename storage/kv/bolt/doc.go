// Package bolt is the embedded kv.Store: a single crash-safe bbolt file,
// fsynced on every commit. It is the default backend when no DATABASE_URL is
// configured.
package bolt
