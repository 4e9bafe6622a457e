// Package backends picks the concrete kv, cache and blob backends from
// configuration — explicit settings (DATABASE_URL, REDIS_URL, GCS_BUCKET)
// win, otherwise the local defaults under DATA_DIR — and reports their
// health per role for /api/health.
package backends
