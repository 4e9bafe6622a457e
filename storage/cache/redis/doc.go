// Package redis is the cache.Cache on Redis (Memorystore in production),
// with a key prefix so several deployments can share one instance and a
// deadline on every call.
package redis
