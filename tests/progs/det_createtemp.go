// det_createtemp: replace data.txt atomically through os.CreateTemp
// (a random name from the runtime's fastrand, which mixes in the time
// stamp counter: different in every run whatever the seed) and
// os.Rename, with fsyncs of the file and of the directory.  Any error:
// exit 1.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := save([]byte("det_save: version 2\n")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func save(text []byte) error {
	f, err := os.CreateTemp(".", "data.txt.*")
	if err != nil {
		return err
	}
	if _, err := f.Write(text); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), "data.txt"); err != nil {
		return err
	}
	d, err := os.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
