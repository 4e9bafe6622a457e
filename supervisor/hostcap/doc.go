// Package hostcap serves the capabilities a script may ask of its host over
// the go-plugin broker: per-block data (symposium.saveData/getData/
// deleteData) and allowlisted fetches made by the supervisor on the block's
// behalf. Each server is bound to one block id when its isolate is bound, so
// a script can never name, and so never reach, another block's data.
package hostcap
