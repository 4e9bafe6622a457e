// Package apikeys keeps the API keys that authenticate tenants: only a
// SHA-256 of each secret is stored (a key is 256 random bits, so a fast hash
// is enough; no password stretching is needed), in the kv store every
// instance shares, so a key created or revoked on one instance holds on all
// of them at the next request.
package apikeys
