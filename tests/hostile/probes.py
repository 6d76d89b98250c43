"""probes.py TMPDIR - hostile probes of the Python package's outputs.

Each probe calls jorge.validate with json= pointing somewhere it must
never write (its own input by name, hard link and symbolic link,
/dev/null, a FIFO, a directory, an open descriptor) and checks that
jorge.Error is raised and the place is untouched; then that a plain path
works.  Prints "probes: N passed, N failed"; exit 1 on any failure."""
import os
import sys

import numpy as np

import jorge

tmp = sys.argv[1]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def refused(path, grads, what):
    try:
        jorge.validate(grads, json=path, no_suggest=True)
    except jorge.Error as e:
        check(True, what)
        return str(e)
    check(False, what + ": no error")
    return ""


rng = np.random.default_rng(3)
g = rng.standard_normal((6, 4, 3))
src = os.path.join(tmp, "in.npy")
np.save(src, g)
before = open(src, "rb").read()

msg = refused(src, src, "json= its own input")
check("same file as the input" in msg, "message names the input: " + msg)
os.link(src, os.path.join(tmp, "hard.npy"))
refused(os.path.join(tmp, "hard.npy"), src, "json= a hard link to the input")
os.symlink("in.npy", os.path.join(tmp, "soft.json"))
refused(os.path.join(tmp, "soft.json"), src, "json= a symbolic link to the input")
check(open(src, "rb").read() == before, "the input is unchanged")

st0 = os.stat(os.devnull)
msg = refused(os.devnull, g, "json=os.devnull")
st1 = os.stat(os.devnull)
check(st1.st_ino == st0.st_ino and (st1.st_mode & 0o170000) == 0o020000, "/dev/null is still the device")
fifo = os.path.join(tmp, "fifo")
os.mkfifo(fifo)
refused(fifo, g, "json= a FIFO")
check(os.path.exists(fifo) and (os.stat(fifo).st_mode & 0o170000) == 0o010000, "the FIFO is still a FIFO")
refused(tmp, g, "json= a directory")
r, w = os.pipe()
refused("/proc/self/fd/%d" % w, g, "json= an open descriptor")
os.close(r)
os.close(w)

out = os.path.join(tmp, "ok.json")
rep = jorge.validate(g, json=out, no_suggest=True)
check(os.path.getsize(out) > 100 and rep["verdict"] in ("PASS", "FAIL", "CANNOT-JUDGE"), "a plain path is written")
left = [f for f in os.listdir(tmp) if ".tmp" in f]
check(not left, "temporary files left: %s" % left)
print("probes: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
