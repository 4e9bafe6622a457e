// Package gcp provisions the Google Cloud resources Symposium runs on
// (a Cloud SQL PostgreSQL instance with its database and user, a Memorystore
// for Redis instance and a Cloud Storage bucket), Terraform-style: Plan
// reports what exists and what is missing with its monthly cost, Apply
// creates only what is missing and resumes an interrupted run, and Outputs
// turns the resources into the connection settings the storage layer uses.
package gcp
