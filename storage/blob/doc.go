// Package blob owns the blob contract: whole objects (rendered outputs,
// artefacts) written atomically under a name. Backends: localdir (a local
// directory) and gcs (Cloud Storage); blobtest is the conformance suite.
package blob
