"""f_gdbm.py: a key-value store on GNU dbm (Python's dbm.gnu, libgdbm),
which writes its file through a shared mapping.  Stores N records
(argv[1], default 40) in kv.gdbm, syncs, closes, then reads them back
and prints "ok N" (tests/live/test_faults.c)."""
import dbm.gnu
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
db = dbm.gnu.open("kv.gdbm", "cf")
for i in range(n):
    db[b"key%03d" % i] = b"value-%03d-" % i + b"x" * 100
db.sync()
db.close()
db = dbm.gnu.open("kv.gdbm", "r")
bad = [i for i in range(n) if db.get(b"key%03d" % i) != b"value-%03d-" % i + b"x" * 100]
db.close()
if bad:
    sys.exit("missing %s" % bad[:5])
print("ok", n)
