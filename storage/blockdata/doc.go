// Package blockdata owns the per-block data behind symposium.saveData,
// getData and deleteData: JSON values namespaced by block id, so a block can
// never reach another block's data, under per-block quotas. Each value is a
// kv row of its own, and a small per-block index (key sizes and a
// generation) guards every write: the quota check, the index update and the
// row write are one kv.CompareAndWrite, atomic on every backend, so a save
// costs the value it writes, not the block's whole data. Data stored in the
// older single-record format is migrated on first touch. An Accountant
// (the block service) reserves each write's size change first, so quotas
// over many blocks count saved data too.
package blockdata
