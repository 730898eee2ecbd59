# pw_py.py: a config saver in Python with the correct idiom (temporary
# file, write, fsync, rename, fsync of the directory); for
# tests/live/test_power.c.
import os

with open("config.tmp", "w") as f:
    f.write("new")
    f.flush()
    os.fsync(f.fileno())
os.rename("config.tmp", "config")
fd = os.open(".", os.O_RDONLY)
os.fsync(fd)
os.close(fd)
print("saved", flush=True)
