#!/usr/bin/env bash
# test_pip_install.sh JORGE TMPDIR - (slow) the Python package from pip, as a
# user gets it, in a fresh virtual environment (python3 -m venv
# --system-site-packages, for NumPy):
#   - `pip install .` (pyproject.toml, scikit-build-core driving CMake; the
#     CUDA backend off to save time) installs jorge/ with libjorgetk_experiments.so
#     beside it and the `jorge` command; outside the source tree, without
#     JORGE_LIBRARY, `import jorge` loads that library, its __version__ is
#     jg_version() and the command's --version, jorge.validate() judges a
#     stream PASS; `pip uninstall` removes it;
#   - `pip install -e .` (same build directory): jorge is imported from
#     src/python/jorge and validate() works.
# Needs PyPI for the build backend (pip's build isolation); skips (77) when
# it cannot be reached, when venv is missing, or in a sanitizer build.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
need_numpy
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${JG_SANITIZE_FLAGS:-}" ]; then echo "SKIP: a sanitizer build (pip builds its own library)"; exit 77; fi
rm -rf "$TMP/venv" "$TMP/probe" "$TMP/skbuild"
"$PY" -m venv --system-site-packages "$TMP/venv" >"$TMP/venv.log" 2>&1 ||
    { echo "SKIP: python3 -m venv failed (Debian: apt-get install python3-venv): $(tail -1 "$TMP/venv.log")"; exit 77; }
V=$TMP/venv/bin/python
timeout 120 "$V" -m pip download -q --no-deps -d "$TMP/probe" scikit-build-core >"$TMP/probe.log" 2>&1 ||
    { echo "SKIP: PyPI unreachable (scikit-build-core, the build backend): $(tail -1 "$TMP/probe.log")"; exit 77; }
VERSION=$("$JORGE" --version | awk '{print $2}')
CFG=(--config-settings=cmake.define.JG_CUDA=OFF --config-settings=cmake.define.JG_MPI=OFF
     --config-settings=build-dir="$TMP/skbuild")
CHECK='
import os, sys, numpy as np, jorge
print(jorge.__version__, jorge._lib.jg_version().decode(), os.path.realpath(jorge._lib.path), os.path.realpath(jorge.__file__))
rep = jorge.validate({"w": 0.1 * np.random.default_rng(1).standard_normal((40, 6, 4))})
print(rep["verdict"])'

# ---------------------------------------------------------------- pip install .
t0=$(date +%s)
(cd "$TMP" && "$V" -m pip install -q "${CFG[@]}" "$SRC") >"$TMP/pip.log" 2>&1 && ok || bad "pip install .: $(tail -5 "$TMP/pip.log")"
echo "test_pip_install: pip install . took $(($(date +%s) - t0)) s"
SITE=$("$V" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
out=$(cd "$TMP" && env -u JORGE_LIBRARY -u PYTHONPATH "$V" -c "$CHECK" 2>&1)
set -- $out
[ "${1:-}" = "$VERSION" ] && [ "${2:-}" = "$VERSION" ] && ok || bad "versions: package ${1:-?}, jg_version ${2:-?}, command $VERSION ($out)"
[ "${3:-}" = "$(realpath "$SITE/jorge/libjorgetk_experiments.so")" ] && ok || bad "library loaded: ${3:-?} (want $SITE/jorge/libjorgetk_experiments.so): $out"
[ "${4:-}" = "$(realpath "$SITE/jorge/__init__.py")" ] && ok || bad "package imported from ${4:-?}"
[ "${5:-}" = "PASS" ] && ok || bad "jorge.validate in the venv: $out"
[ "$("$TMP/venv/bin/jorge" --version 2>&1 | awk '{print $2}')" = "$VERSION" ] && ok || bad "the command in the venv: $("$TMP/venv/bin/jorge" --version 2>&1)"
"$V" -m pip uninstall -y -q jorge >"$TMP/pip.log" 2>&1 && [ ! -e "$SITE/jorge" ] && ok || bad "pip uninstall: $(tail -3 "$TMP/pip.log"; ls "$SITE/jorge" 2>&1)"

# ---------------------------------------------------------------- pip install -e .
t0=$(date +%s)
(cd "$TMP" && "$V" -m pip install -q "${CFG[@]}" -e "$SRC") >"$TMP/pip.log" 2>&1 && ok || bad "pip install -e .: $(tail -5 "$TMP/pip.log")"
echo "test_pip_install: pip install -e . took $(($(date +%s) - t0)) s"
out=$(cd "$TMP" && env -u JORGE_LIBRARY -u PYTHONPATH "$V" -c "$CHECK" 2>&1)
set -- $out
[ "${1:-}" = "$VERSION" ] && ok || bad "editable: version ${1:-?}: $out"
[ "${4:-}" = "$SRC/src/python/jorge/__init__.py" ] && ok || bad "editable: package imported from ${4:-?} (want the source tree): $out"
[ "${5:-}" = "PASS" ] && ok || bad "editable: jorge.validate: $out"
# without a build tree the editable install's own library is found (it is on the search list, and exists)
(cd "$TMP" && env -u JORGE_LIBRARY "$V" -c '
import os, sysconfig, jorge
p = os.path.join(sysconfig.get_paths()["platlib"], "jorge", "libjorgetk_experiments.so")
assert os.path.exists(p) and p in jorge._lib.candidates(), (p, jorge._lib.candidates())') >"$TMP/ed.log" 2>&1 &&
    ok || bad "editable: its library is not found: $(tail -2 "$TMP/ed.log")"
"$V" -m pip uninstall -y -q jorge >/dev/null 2>&1
finish test_pip_install
