# p_py.py: a Python target.  In its run directory:
#   py.out: os.open(O_CREAT|O_TRUNC), 3 x os.write of 4 bytes ("py0\n"...),
#           os.fsync, then os.rename to py.txt
#   buf.out: open("w") with default buffering, two write() calls of 10
#           characters: one write(2) of 20 bytes when the file is closed
# Exits 0 only if everything matched.
import os
import sys


def main():
    fd = os.open("py.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for i in range(3):
        if os.write(fd, b"py%d\n" % i) != 4:
            return 1
    os.fsync(fd)
    os.close(fd)
    os.rename("py.out", "py.txt")
    with open("buf.out", "w") as f:
        f.write("a" * 10)
        f.write("b" * 10)
    with open("py.txt", "rb") as f:
        if f.read() != b"py0\npy1\npy2\n":
            return 1
    with open("buf.out", "rb") as f:
        if f.read() != b"a" * 10 + b"b" * 10:
            return 1
    return 0


sys.exit(main())
