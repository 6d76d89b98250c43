#!/usr/bin/env bash
# test_python.sh JORGE TMPDIR - the Python package src/python/jorge over
# libjorgetk_experiments.so ($JORGE_LIBRARY, set by ctest): version, jorge.validate
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
rc=$?
# the pytest-style suites (tests/python/test_*.py), run as scripts (no pytest needed)
for t in "$HERE"/python/test_*.py; do
    (cd "$TMP" && "$PY" "$t") || rc=1
done
# the source tree as the README says: sys.path.insert(0, "src/python") finds
# build/libjorgetk_experiments.so by itself (when ctest's library is that one)
SRC=$(cd "$HERE/.." && pwd)
if [ -f "$SRC/build/libjorgetk_experiments.so" ] && [ "$SRC/build/libjorgetk_experiments.so" -ef "$JORGE_LIBRARY" ]; then
    out=$(cd "$SRC" && env -u JORGE_LIBRARY -u PYTHONPATH "$PY" -c 'import sys; sys.path.insert(0, "src/python"); import jorge; print(jorge._lib.path)' 2>&1)
    if [ "$out" -ef "$SRC/build/libjorgetk_experiments.so" ]; then
        echo "test_python: the source-tree import finds build/libjorgetk_experiments.so"
    else
        echo "FAIL: the source-tree import: $out"
        rc=1
    fi
else
    echo "SKIP (source-tree import): ctest's library is not <source>/build/libjorgetk_experiments.so"
fi
# the BLAS kernel (src/core/blas_info.h): on OpenBLAS's generic kernels, on a CPU
# with AVX2 or AVX-512, importing the package warns once with the fix; on
# the kernels OpenBLAS chose itself it says nothing
if "$JORGE" info | grep -q '^blas kernel: .* on a CPU with AVX'; then
    w=$(cd "$TMP" && OPENBLAS_CORETYPE=Prescott "$PY" -c 'import jorge' 2>&1)
    if echo "$w" | grep -q 'RuntimeWarning: jorge: OpenBLAS .* runs its Prescott kernel .*OPENBLAS_CORETYPE='; then
        echo "test_python: generic kernels: the import warns"
    else
        echo "FAIL: no warning on the generic kernels: $w"; rc=1
    fi
    w=$(cd "$TMP" && env -u OPENBLAS_CORETYPE "$PY" -W error::RuntimeWarning -c 'import jorge' 2>&1) &&
        echo "test_python: default kernels: no warning" || { echo "FAIL: warning on the default kernels: $w"; rc=1; }
else
    echo "SKIP (kernel warning): not an x86-64 CPU with AVX"
fi
# a JORGE_LIBRARY that does not exist: ImportError naming it, nothing else tried
out=$(cd "$TMP" && JORGE_LIBRARY="$TMP/no/libjorgetk_experiments.so" "$PY" -c 'import jorge' 2>&1)
if echo "$out" | grep -q "ImportError: jorge: libjorgetk_experiments.so not found; set JORGE_LIBRARY to its path.  Tried: $TMP/no/libjorgetk_experiments.so (absent)$"; then
    echo "test_python: JORGE_LIBRARY absent: ImportError as expected"
else
    echo "FAIL: JORGE_LIBRARY absent: $out"
    rc=1
fi
exit $rc
