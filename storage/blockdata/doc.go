// Package blockdata owns the per-block data behind symposium.saveData,
// getData and deleteData: JSON values namespaced by block id, so a block can
// never reach another block's data, under per-block quotas. Each block's
// data is one kv record updated by compare-and-set, which makes the quota
// check and the write a single atomic step on every backend.
package blockdata
