// Package sandboxpb holds the generated gRPC code for sandbox.proto, the
// supervisor-isolate protocol. Do not edit the .pb.go files; run `make proto`.
package sandboxpb
