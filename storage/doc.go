// Package storage owns what every storage role (kv, cache, blob) shares: the
// sentinel errors callers check with errors.Is and the key rules, so a key
// valid in one backend is valid in all of them. Roles live in subpackages;
// backends selects them from configuration.
package storage
