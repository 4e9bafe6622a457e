// Package cache owns the TTL cache contract: values that may vanish at any
// time (expiry, eviction) and are never the only copy. Backends: lru (in
// process, size-bounded) and redis (Memorystore); cachetest is the
// conformance suite.
package cache
