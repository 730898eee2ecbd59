// cs_go.go - three write call sites in Go, for the symbolized stacks:
// main.writeA, main.writeB and main.writeC each write one line to
// data.txt through os.File.Write, 5 times each.  Exits 1 on an error.
package main

import (
	"fmt"
	"os"
)

//go:noinline
func writeA(f *os.File, i int) error {
	_, err := f.Write([]byte(fmt.Sprintf("a %03d\n", i)))
	return err
}

//go:noinline
func writeB(f *os.File, i int) error {
	_, err := f.Write([]byte(fmt.Sprintf("b %03d\n", i)))
	return err
}

//go:noinline
func writeC(f *os.File, i int) error {
	_, err := f.Write([]byte(fmt.Sprintf("c %03d\n", i)))
	return err
}

func main() {
	f, err := os.Create("data.txt")
	if err != nil {
		os.Exit(1)
	}
	for i := 0; i < 5; i++ {
		if writeA(f, i) != nil || writeB(f, i) != nil || writeC(f, i) != nil {
			os.Exit(1)
		}
	}
	if f.Close() != nil {
		os.Exit(1)
	}
}
