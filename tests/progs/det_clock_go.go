// det_clock_go: time.Now() written to clock.out ("unix NS" and the
// wall time as text, in UTC), so that two runs can be compared.  Under
// badio every run writes the same bytes: Go's runtime reads the clock
// with a real system call once the vDSO is hidden (runtime/vdso_linux.go
// finds no AT_SYSINFO_EHDR and keeps its fallback).
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	a := time.Now()
	b := time.Now()
	text := fmt.Sprintf("unix %d\nnext %d\nutc %s\n", a.UnixNano(),
		b.UnixNano(), a.UTC().Format(time.RFC3339Nano))
	if err := os.WriteFile("clock.out", []byte(text), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
