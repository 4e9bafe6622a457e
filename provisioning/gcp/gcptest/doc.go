// Package gcptest runs in-process fakes of the Google Cloud APIs the
// provisioner calls. They speak the real REST/JSON wire protocol (paths,
// long-running operation resources, error bodies) so the real generated
// clients are tested against them; Cloud Storage is fake-gcs-server.
package gcptest
