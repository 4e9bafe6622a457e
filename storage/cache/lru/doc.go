// Package lru is the in-process cache.Cache: least-recently-used eviction
// bounded by entry count and total bytes, with a TTL per entry. It is the
// default when no REDIS_URL is configured.
package lru
