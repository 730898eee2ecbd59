// pw_go: a config saver in Go that renames without fsync (the classic
// zero-length file after a power failure); for tests/live/test_power.c.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := os.WriteFile("config.tmp", []byte("new"), 0644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := os.Rename("config.tmp", "config"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("saved")
}
