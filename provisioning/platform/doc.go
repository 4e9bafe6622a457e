// Package platform detects where Symposium runs (a developer machine or
// Cloud Run) from the platform's own signals: the K_* variables Cloud Run
// sets, and the metadata server, which an ENVIRONMENT variable overrides.
package platform
