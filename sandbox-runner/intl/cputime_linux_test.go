package intl

import "syscall"

// processCPU is the process's user+system CPU time in nanoseconds. The
// benchmarks report it per op beside wall time: on a shared machine wall
// time measures the neighbours, CPU time the code.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
