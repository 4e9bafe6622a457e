// Package hostcap serves the capabilities a script may ask of its host over
// the go-plugin broker: per-block data (symposium.saveData/getData/
// deleteData) and allowlisted fetches made by the supervisor on the block's
// behalf. Each server is bound to one block id when its isolate is bound, so
// a script can never name, and so never reach, another block's data.
//
// The supervisor runs outside every cgroup, so what a script asks of it is
// bounded per execution (Limits): 6 calls at once, the rest waiting their
// turn; a count and a byte budget beyond which calls fail at once with a
// message the script can read. Executions are told apart by
// BeginExecution; without it the budget renews per time window.
package hostcap
