// Package blocks persists content blocks: their code, their data and their
// last rendered output. Records live in the kv store; rendered HTML larger
// than 64 KiB goes to blob storage with a reference in the record, keeping
// kv values small. Every write of a block's records is one conditional
// write on the block's small guard record (its delete count and write
// generation), so writes of one block are serialised across instances
// sharing the store and a delete wins over an execution in flight anywhere.
package blocks
