package main

import "golang.org/x/sys/unix"

// threadCPU returns the CPU time the calling thread has used, in seconds;
// a benchmark locks its goroutine to the thread.
func threadCPU() float64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

// threadCPUKnown says whether threadCPU measures anything.
const threadCPUKnown = true
