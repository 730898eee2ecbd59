# det_tempfile.py: replace data.txt atomically through
# tempfile.NamedTemporaryFile (a random name from the random module,
# seeded by os.urandom, that is getrandom(2)) and os.replace, with
# fsyncs of the file and of the directory.  Any error: exit 1.
import os
import tempfile

text = b"det_save: version 2\n"
with tempfile.NamedTemporaryFile(dir=".", prefix="data.txt.",
                                 delete=False) as f:
    f.write(text)
    f.flush()
    os.fsync(f.fileno())
os.replace(f.name, "data.txt")
d = os.open(".", os.O_RDONLY)
os.fsync(d)
os.close(d)
