// Package gcs is the blob.Store on Google Cloud Storage. Objects are written
// in a single request, so an interrupted Put never leaves a partial object.
package gcs
