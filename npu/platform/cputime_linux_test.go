package platform_test

import "golang.org/x/sys/unix"

// threadCPU returns the CPU time the calling thread has used, in seconds,
// to the nanosecond.
func threadCPU() (float64, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9, true
}
