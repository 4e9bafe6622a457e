// Package cachetest is the conformance suite every cache.Cache backend runs.
package cachetest
