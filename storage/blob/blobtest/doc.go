// Package blobtest is the conformance suite every blob.Store backend runs.
package blobtest
