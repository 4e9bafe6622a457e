// Package localdir is the blob.Store in a local directory: one file per
// blob, written to a temporary file, fsynced and renamed into place, so a
// crash leaves either the old or the new blob. It is the default when no
// GCS_BUCKET is configured.
package localdir
