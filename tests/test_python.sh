#!/usr/bin/env bash
# test_python.sh JORGE TMPDIR - the Python package src/python/jorge over
# libjorgetk.so ($JORGE_LIBRARY, set by ctest): version, jorge.validate
# against the command (same numbers, same table), Jorge against a NumPy
# implementation of the update, the gradient recorder, and the PyTorch
# capture where PyTorch is importable.  The checks are in
# tests/python_package.py.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
need_numpy
if [ -n "${JG_PYTHON_SKIP:-}" ]; then echo "SKIP: $JG_PYTHON_SKIP"; exit 77; fi
HERE=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$HERE/../src/python${PYTHONPATH:+:$PYTHONPATH}"
[ -n "${JORGE_LIBRARY:-}" ] || { echo "FAIL: JORGE_LIBRARY is not set"; exit 1; }
"$PY" "$HERE/python_package.py" "$JORGE" "$TMP"
