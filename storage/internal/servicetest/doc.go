// Package servicetest finds the real PostgreSQL and Redis that storage tests
// run against, skipping when the machine has none and failing under CI=true.
package servicetest
