// p_gocopy: Go's way to copy a file and make names, for
// tests/live/test_record.c ("go_copy_and_names"): io.Copy from a.txt
// (given with --init) into b.txt, which Go does with copy_file_range
// until it returns 0; Sync; os.MkdirAll("x/y"), which makes each level
// with mkdirat; os.Link into it; os.Symlink; os.Rename of that link over
// b.txt, the same file: rename(2) does nothing and x/y/b.txt stays.
package main

import (
	"io"
	"os"
)

func check(err error) {
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}

func main() {
	in, err := os.Open("a.txt")
	check(err)
	out, err := os.Create("b.txt")
	check(err)
	_, err = io.Copy(out, in)
	check(err)
	check(out.Sync())
	check(out.Close())
	check(in.Close())
	check(os.MkdirAll("x/y", 0755))
	check(os.Link("b.txt", "x/y/b.txt"))
	check(os.Symlink("../b.txt", "x/s"))
	check(os.Rename("x/y/b.txt", "b.txt"))
	_, err = os.Lstat("x/y/b.txt")
	check(err)
}
