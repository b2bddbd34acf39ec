//go:build unix

package cli

import (
	"runtime"
	"syscall"
)

// peakRSSMB is the process's peak resident set size in MB.
func peakRSSMB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	kb := ru.Maxrss
	if runtime.GOOS == "darwin" {
		kb /= 1024 // macOS reports bytes
	}
	return kb / 1024
}
