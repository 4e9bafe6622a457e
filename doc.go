// Command symposium is the supervisor: it serves the content-block API and
// UI, and starts, confines and monitors one sandbox-runner isolate per block.
//
//	symposium              serve (configuration from the environment and .env)
//	symposium selftest     run the runner's confinement selftest as in service
//	symposium healthcheck  exit 0 if the local server's /api/health answers 200
//	symposium provision    plan or apply the GCP resources (see --help)
package main
