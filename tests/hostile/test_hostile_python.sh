#!/usr/bin/env bash
# test_hostile_python.sh JORGE TMPDIR - the Python package's doors on
# outputs (tests/hostile/probes.py, /usr/bin/python3 with Debian's NumPy,
# over $JORGE_LIBRARY): jorge.validate(..., json=PATH) refuses its own
# input, a device, a FIFO, a directory, exactly as the command does.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/../lib.sh"
need_numpy
if [ -n "${JG_PYTHON_SKIP:-}" ]; then echo "SKIP: $JG_PYTHON_SKIP"; exit 77; fi
[ -n "${JORGE_LIBRARY:-}" ] || { echo "FAIL: JORGE_LIBRARY is not set"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$TMP" && mkdir -p "$TMP"
PYTHONPATH="$HERE/../../src/python${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$HERE/probes.py" "$TMP"
