# explore_py.py - a Python writer: buffered, flushed at close.  Python
# retries short writes; a failed write raises, so the program exits 1.
TEXT = "python: every byte of this line must reach data.txt\n"

with open("data.txt", "w") as f:
    f.write(TEXT)
