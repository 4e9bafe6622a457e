// Package blocks persists content blocks: their code, their data and their
// last rendered output. Records live in the kv store; rendered HTML larger
// than 64 KiB goes to blob storage with a reference in the record, keeping
// kv values small.
package blocks
