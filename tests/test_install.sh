#!/usr/bin/env bash
# test_install.sh JORGE TMPDIR - libjorgetk installs like a library:
# `cmake --install` into a temporary prefix, then
#   - the layout: lib/libjorgetk.{so,a}, lib/pkgconfig/jorge.pc,
#     lib/cmake/Jorge/, include/jorge/jorge.h and the public headers (no
#     src/cli/, no CUDA kernels), each of which compiles on its own;
#   - the README's example (tests/example/example.c, checked to be src/README.md's
#     text) built and run four ways: pkg-config shared and --static,
#     find_package(Jorge) with Jorge::jorgetk_shared and Jorge::jorgetk;
#     every build prints the same line and exits 0 (its stream passes);
#   - the installed Python package finds the installed library by itself
#     (no JORGE_LIBRARY), when NumPy is there and the build has no
#     sanitizers (an ASan library cannot be loaded into python3).
# ctest sets JG_BUILD_DIR, CC and JG_SANITIZE_FLAGS.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${JG_BUILD_DIR:?JG_BUILD_DIR not set}
CC=${CC:-cc}
SAN=${JG_SANITIZE_FLAGS:-}
P=$TMP/prefix
rm -rf "$P" "$TMP"/ex-*
cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1 || { bad "cmake --install: $(tail -5 "$TMP/install.log")"; finish test_install; exit 1; }

# ---------------------------------------------------------------- layout
LIBDIR=$(dirname "$(find "$P" -name jorge.pc | head -1)")/..
for f in "$LIBDIR/libjorgetk.so" "$LIBDIR/libjorgetk.a" "$LIBDIR/pkgconfig/jorge.pc" "$LIBDIR/cmake/Jorge/JorgeConfig.cmake" \
         "$P/include/jorge/jorge.h" "$P/include/jorge/src/context.h" "$P/include/jorge/src/jg_config.h" \
         "$P/include/jorge/approx/jorge.h" "$P/include/jorge/experiments/validate.h" "$P/include/jorge/src/api.h" "$P/bin/jorge"; do
    [ -e "$f" ] && ok || bad "not installed: ${f#$P/}"
done
[ ! -e "$P/include/jorge/src/cli" ] && [ -z "$(find "$P/include" -name 'kernels.h' -o -name '*.py')" ] && ok ||
    bad "private headers installed: $(find "$P/include" -path '*cli*' -o -name kernels.h | head -3)"
[ "$(cd "$P/include/jorge/experiments" && ls *.h | tr '\n' ' ')" = "bench.h compare.h validate.h " ] && ok ||
    bad "experiments: only bench.h, compare.h and validate.h are public"

export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
CFLAGS_PC=$(pkg-config --cflags jorge) && ok || bad "pkg-config --cflags jorge"
[ "$(pkg-config --modversion jorge)" = "$("$JORGE" --version | awk '{print $2}')" ] && ok || bad "jorge.pc version"
nh=0
for h in $(cd "$P/include" && find jorge -name '*.h' | sort); do
    printf '#include "%s"\nint jg_header_alone;\n' "${h#jorge/}" >"$TMP/h.c"
    $CC -std=c11 -Wall -Wextra -Werror $CFLAGS_PC -fsyntax-only "$TMP/h.c" 2>"$TMP/h.err" || bad "$h alone: $(head -3 "$TMP/h.err")"
    nh=$((nh + 1))
done
[ "$nh" -ge 15 ] && ok || bad "only $nh headers installed"

# ---------------------------------------------------------------- the README's example
awk '/^<!-- example.c -->/{f=1;next} f&&/^```c/{g=1;next} g&&/^```/{exit} g' "$SRC/src/README.md" >"$TMP/readme_example.c"
cmp -s "$TMP/readme_example.c" "$SRC/tests/example/example.c" && ok || bad "src/README.md's example differs from tests/example/example.c"

run_example() { # NAME EXE
    local out
    out=$("$2" 2>&1)
    local rc=$?
    [ $rc = 0 ] && echo "$out" | grep -q "^libjorgetk $(pkg-config --modversion jorge): PASS, largest error" &&
        ok || bad "$1: exit $rc: $out"
    echo "$out" >"$TMP/ex-$1.out"
}
$CC -std=c11 -Wall -Wextra -Werror $SAN "$SRC/tests/example/example.c" -o "$TMP/ex-pc" $CFLAGS_PC $(pkg-config --libs jorge) \
    -Wl,-rpath,"$(pkg-config --variable=libdir jorge)" 2>"$TMP/cc.err" && ok || bad "pkg-config build: $(head -5 "$TMP/cc.err")"
run_example pc "$TMP/ex-pc"
ldd "$TMP/ex-pc" | grep -q "libjorgetk.so" && ok || bad "pkg-config build is not linked to libjorgetk.so"
$CC -std=c11 -Wall -Wextra -Werror $SAN "$SRC/tests/example/example.c" -o "$TMP/ex-static" $CFLAGS_PC \
    $(pkg-config --libs --static jorge | sed 's/-ljorgetk/-l:libjorgetk.a/') 2>"$TMP/cc.err" && ok ||
    bad "pkg-config --static build: $(head -5 "$TMP/cc.err")"
run_example static "$TMP/ex-static"
! ldd "$TMP/ex-static" | grep -q "libjorgetk.so" && ok || bad "static build loads libjorgetk.so"
for t in jorgetk_shared jorgetk; do
    cmake -S "$SRC/tests/example" -B "$TMP/ex-cmake-$t" -DCMAKE_PREFIX_PATH="$P" -DJORGE_TARGET=Jorge::$t \
        -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$SAN" >"$TMP/cmake-$t.log" 2>&1 &&
        cmake --build "$TMP/ex-cmake-$t" >>"$TMP/cmake-$t.log" 2>&1 && ok || bad "find_package build ($t): $(tail -5 "$TMP/cmake-$t.log")"
    run_example "cmake-$t" "$TMP/ex-cmake-$t/example"
done
[ "$(cat "$TMP"/ex-*.out | sort -u | wc -l)" = 1 ] && ok || bad "the four builds print different lines: $(cat "$TMP"/ex-*.out)"

# ---------------------------------------------------------------- installed Python package
PYPKG=$(dirname "$(find "$P" -path '*/jorge/__init__.py' | head -1)")
[ -f "$PYPKG/__init__.py" ] && ok || bad "Python package not installed"
if [ -n "$SAN" ]; then
    echo "SKIP (installed Python package): a sanitizer build's library cannot be loaded into python3"
elif ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "SKIP (installed Python package): /usr/bin/python3 with numpy is not available"
else
    (cd "$TMP" && env -u JORGE_LIBRARY PYTHONPATH="$(dirname "$PYPKG")" "$PY" -c '
import sys, os, jorge, numpy as np
assert os.path.realpath(jorge._lib.path).startswith(os.path.realpath(sys.argv[1])), jorge._lib.path
rep = jorge.validate({"w": 0.1 * np.random.default_rng(1).standard_normal((40, 6, 4))})
print(jorge.__version__, rep["verdict"])' "$P") >"$TMP/py.out" 2>&1 &&
        [ "$(cat "$TMP/py.out")" = "$(pkg-config --modversion jorge) PASS" ] && ok || bad "installed Python package: $(cat "$TMP/py.out")"
fi
finish test_install
