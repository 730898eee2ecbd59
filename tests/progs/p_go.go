// p_go: a Go target.  G goroutines (default 4) each create go-K.out
// with os.Create (openat O_CREAT|O_TRUNC), write it with N (default 50)
// calls of f.Write of 16 bytes of 'A'+K, then f.Sync (fsync) and close.
// Sites per file: 1 openat + N writes + 1 fsync.  Exits 0 only if every
// call succeeded and every file has 16*N bytes.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
)

func writer(k, n int) error {
	name := fmt.Sprintf("go-%d.out", k)
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	buf := bytes.Repeat([]byte{byte('A' + k)}, 16)
	for i := 0; i < n; i++ {
		m, err := f.Write(buf)
		if err != nil || m != len(buf) {
			return fmt.Errorf("%s: write %d: n=%d err=%v", name, i, m, err)
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	if st.Size() != int64(16*n) {
		return fmt.Errorf("%s: size %d", name, st.Size())
	}
	return nil
}

func arg(i, def int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil {
			return v
		}
	}
	return def
}

func main() {
	g, n := arg(1, 4), arg(2, 50)
	var wg sync.WaitGroup
	errs := make(chan error, g)
	for k := 0; k < g; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			if err := writer(k, n); err != nil {
				errs <- err
			}
		}(k)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, "p_go:", err)
		os.Exit(1)
	}
}
