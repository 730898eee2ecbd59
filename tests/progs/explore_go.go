// explore_go.go - a Go writer that ignores the error of File.Write:
// a torn write leaves a truncated file behind exit status 0.
// (os.File.Write retries short writes itself.)
package main

import "os"

const text = "go: every byte of this line must reach data.txt\n"

func main() {
	f, err := os.Create("data.txt")
	if err != nil {
		os.Exit(1)
	}
	f.Write([]byte(text)) // the bug: the error is ignored
	f.Close()
}
