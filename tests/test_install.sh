#!/usr/bin/env bash
# test_install.sh JORGE TMPDIR - the two libraries install like libraries:
# `cmake --install` into a temporary prefix, then
#   - the layout: lib/libjorgetk.{so,a} (numerical),
#     lib/libjorgetk_experiments.{so,a} (on it), lib/pkgconfig/jorge.pc
#     (both) and jorge-numerics.pc (the numerical one),
#     lib/cmake/Jorge/, include/jorge/jorge.h and the public headers (no
#     src/cli/, no CUDA kernels), each of which compiles on its own as
#     C11, as C99 -pedantic-errors and as C++ (g++ -pedantic-errors);
#   - pkg-config's flags: -I<prefix>/include only (no feature macro, no
#     include/jorge that would let a user's src/core/mat.h stand in for ours,
#     checked with such a header first on the path);
#   - each shared library exports exactly what its public headers declare
#     (the generated version scripts build/jorgetk.map and
#     build/jorgetk_experiments.map): no internal symbol;
#   - the manual page (from --help, renders without groff warnings, has
#     every command's usage), bash completion, LICENSE;
#   - the README's example (tests/example/example.c, checked to be src/README.md's
#     text) built and run four ways: pkg-config shared and --static,
#     find_package(Jorge) with Jorge::jorgetk_experiments_shared and
#     Jorge::jorgetk_experiments, and as C++ with g++ through pkg-config;
#     every build prints the same line and exits 0 (its stream passes);
#   - the numerical library alone: tests/example/numerics.c built through
#     jorge-numerics (shared and --static) and Jorge::jorgetk(_shared),
#     never loading the experiments library;
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
rm -rf "$P" "$TMP"/ex-* "$TMP"/num-*
cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1 || { bad "cmake --install: $(tail -5 "$TMP/install.log")"; finish test_install; exit 1; }

# ---------------------------------------------------------------- layout
LIBDIR=$(dirname "$(find "$P" -name jorge.pc | head -1)")/..
for f in "$LIBDIR/libjorgetk.so" "$LIBDIR/libjorgetk.a" "$LIBDIR/libjorgetk_experiments.so" "$LIBDIR/libjorgetk_experiments.a" \
         "$LIBDIR/pkgconfig/jorge.pc" "$LIBDIR/pkgconfig/jorge-numerics.pc" "$LIBDIR/cmake/Jorge/JorgeConfig.cmake" \
         "$P/include/jorge/jorge.h" "$P/include/jorge/src/core/context.h" "$P/include/jorge/src/core/jg_config.h" \
         "$P/include/jorge/approx/jorge.h" "$P/include/jorge/experiments/validate.h" "$P/include/jorge/src/capi/api.h" "$P/bin/jorge"; do
    [ -e "$f" ] && ok || bad "not installed: ${f#$P/}"
done
[ ! -e "$P/include/jorge/src/cli" ] && [ -z "$(find "$P/include" -name 'kernels.h' -o -name '*.py')" ] && ok ||
    bad "private headers installed: $(find "$P/include" -path '*cli*' -o -name kernels.h | head -3)"
[ "$(cd "$P/include/jorge/experiments" && ls *.h | tr '\n' ' ')" = "bench.h compare.h validate.h " ] && ok ||
    bad "experiments: only bench.h, compare.h and validate.h are public"

export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
CFLAGS_PC=$(pkg-config --cflags jorge) && ok || bad "pkg-config --cflags jorge"
set -- $CFLAGS_PC
[ $# = 1 ] && [ "${1#-I}" != "$1" ] && [ "$(realpath -m "${1#-I}")" = "$(realpath "$P/include")" ] && ok ||
    bad "pkg-config --cflags: '$CFLAGS_PC' (want -I<prefix>/include only)"
CXX=${CXX:-g++}
[ "$(pkg-config --modversion jorge)" = "$("$JORGE" --version | awk '{print $2}')" ] && ok || bad "jorge.pc version"
nh=0
for h in $(cd "$P/include" && find jorge -name '*.h' | sort); do
    printf '#include <%s>\nint jg_header_alone;\n' "$h" >"$TMP/h.c"
    $CC -std=c11 -Wall -Wextra -Werror $CFLAGS_PC -fsyntax-only "$TMP/h.c" 2>"$TMP/h.err" || bad "$h alone: $(head -3 "$TMP/h.err")"
    $CC -std=c99 -pedantic-errors -Wall -Wextra -Werror $CFLAGS_PC -fsyntax-only "$TMP/h.c" 2>"$TMP/h.err" ||
        bad "$h alone, C99 -pedantic-errors: $(head -3 "$TMP/h.err")"
    if command -v "$CXX" >/dev/null; then
        $CXX -x c++ -std=c++11 -pedantic-errors -Wall -Wextra -Werror $CFLAGS_PC -fsyntax-only "$TMP/h.c" 2>"$TMP/h.err" ||
            bad "$h alone, C++: $(head -3 "$TMP/h.err")"
    fi
    nh=$((nh + 1))
done
# a user's own src/core/mat.h (or approx/jorge.h) first on the include path is not taken for ours
mkdir -p "$TMP/user/src/core" "$TMP/user/approx"
echo '#error a user header was included in place of the toolkit'"'"'s' >"$TMP/user/src/core/mat.h"
cp "$TMP/user/src/core/mat.h" "$TMP/user/approx/jorge.h"
printf '#include <jorge/jorge.h>\nint jg_header_alone;\n' >"$TMP/h.c"
$CC -std=c11 -I"$TMP/user" $CFLAGS_PC -fsyntax-only "$TMP/h.c" 2>"$TMP/h.err" && ok || bad "a user's src/core/mat.h shadows ours: $(head -3 "$TMP/h.err")"
# M_PI: no feature macro from us (a user's -D_GNU_SOURCE or the default gnu11 decides)
printf '#include <math.h>\n#include <jorge/jorge.h>\ndouble jg_user_pi = M_PI;\n' >"$TMP/h.c"
$CC $CFLAGS_PC -fsyntax-only "$TMP/h.c" 2>"$TMP/h.err" && ok || bad "M_PI after <jorge/jorge.h>: $(head -3 "$TMP/h.err")"

# ---------------------------------------------------------------- exported symbols
exports() { # LIB MAP MUST... -- MUST_NOT...: LIB exports what MAP declares, nothing else
    local lib=$1 map=$2 s
    shift 2
    nm -D --defined-only "$LIBDIR/$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u >"$TMP/exported.txt"
    grep -oE 'jg_[a-z0-9_]+' "$map" | sort -u >"$TMP/declared.txt"
    extra=$(comm -23 "$TMP/exported.txt" "$TMP/declared.txt" | head -5)
    [ -z "$extra" ] && ok || bad "$lib exports undeclared symbols: $extra"
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        grep -qx "$1" "$TMP/exported.txt" && ok || bad "$lib does not export $1"
        shift
    done
    [ "${1:-}" = -- ] && shift
    for s in "$@"; do
        ! grep -qx "$s" "$TMP/exported.txt" && ok || bad "$lib exports $s"
    done
}
# the numerical library: the ground and the algorithms, none of the experiments
exports libjorgetk.so "$BUILD/jorgetk.map" jg_version jg_ctx_create jg_jorge_update jg_ref_invroot_eig jg_method_create \
    -- jg_api_validate_new jg_validate_arrays jg_train_run jg_optim_step jg_check_gemm
# the experiments library: validate, compare, bench, the C ABI (the training code and internals hidden)
exports libjorgetk_experiments.so "$BUILD/jorgetk_experiments.map" jg_api_validate_new jg_api_jorge_update \
    jg_validate_arrays jg_compare_run -- jg_train_run jg_optim_step jg_check_gemm jg_ctx_create

# ---------------------------------------------------------------- manual page, completion, licence
MAN=$P/share/man/man1/jorge.1
[ -f "$MAN" ] && ok || bad "manual page not installed"
if command -v groff >/dev/null; then
    [ -z "$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)" ] && ok || bad "jorge.1: $(groff -man -Tutf8 -ww -z "$MAN" 2>&1 | head -3)"
fi
for c in $("$JORGE" --help | awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{exit}'); do
    grep -q "^usage: jorge $c" "$MAN" && ok || bad "jorge.1 lacks the --help of $c"
done
grep -q -- '--version' "$MAN" && ok || bad "jorge.1 does not mention --version"
COMP=$P/share/bash-completion/completions/jorge
[ -f "$COMP" ] && ok || bad "bash completion not installed"
comp() { # WORDS...: the completions of the last word
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _jorge; printf "%s
" "${COMPREPLY[@]}"' _ "$COMP" "$@"
}
[ "$(comp "$JORGE" va)" = "validate" ] && ok || bad "completion of 'jorge va': $(comp "$JORGE" va)"
comp "$JORGE" validate --eps | grep -qx -- "--eps-mode" && ok || bad "completion of 'jorge validate --eps': $(comp "$JORGE" validate --eps | tr '\n' ' ')"
[ -f "$P/share/doc/jorge/LICENSE" ] && grep -q "the Jorge toolkit authors" "$P/share/doc/jorge/LICENSE" && ok || bad "LICENSE not installed"

[ "$nh" -ge 15 ] && ok || bad "only $nh headers installed"

# ---------------------------------------------------------------- the README's example
awk '/^<!-- example.c -->/{f=1;next} f&&/^```c/{g=1;next} g&&/^```/{exit} g' "$SRC/src/README.md" >"$TMP/readme_example.c"
cmp -s "$TMP/readme_example.c" "$SRC/tests/example/example.c" && ok || bad "src/README.md's example differs from tests/example/example.c"

static_libs() { # the toolkit's -lNAME as the archives -l:libNAME.a
    sed -E 's/-l(jorgetk(_experiments)?)( |$)/-l:lib\1.a\3/g'
}
run_example() { # NAME EXE
    local out
    out=$("$2" 2>&1)
    local rc=$?
    [ $rc = 0 ] && echo "$out" | grep -q "^libjorgetk $(pkg-config --modversion jorge): PASS, largest error" &&
        ok || bad "$1: exit $rc: $out"
    echo "$out" >"$TMP/ex-$1.out"
}
run_numerics() { # NAME EXE
    local out
    out=$("$2" 2>&1)
    local rc=$?
    [ $rc = 0 ] && echo "$out" | grep -q "^libjorgetk $(pkg-config --modversion jorge) numerics: PASS" && ok || bad "numerics $1: exit $rc: $out"
    echo "$out" >"$TMP/num-$1.out"
}
$CC -std=c11 -Wall -Wextra -Werror $SAN "$SRC/tests/example/example.c" -o "$TMP/ex-pc" $CFLAGS_PC $(pkg-config --libs jorge) \
    -Wl,-rpath,"$(pkg-config --variable=libdir jorge)" 2>"$TMP/cc.err" && ok || bad "pkg-config build: $(head -5 "$TMP/cc.err")"
run_example pc "$TMP/ex-pc"
if command -v "$CXX" >/dev/null; then # C++: extern "C" in the headers
    $CXX -x c++ -Wall -Wextra -Werror $SAN "$SRC/tests/example/example.c" -o "$TMP/ex-cxx" $CFLAGS_PC $(pkg-config --libs jorge) \
        -Wl,-rpath,"$(pkg-config --variable=libdir jorge)" 2>"$TMP/cc.err" && ok || bad "g++ pkg-config build: $(head -5 "$TMP/cc.err")"
    run_example cxx "$TMP/ex-cxx"
else
    echo "SKIP (C++ build of the example): no $CXX"
fi
ldd "$TMP/ex-pc" | grep -q "libjorgetk_experiments.so" && ok || bad "pkg-config build is not linked to libjorgetk_experiments.so"
$CC -std=c11 -Wall -Wextra -Werror $SAN "$SRC/tests/example/example.c" -o "$TMP/ex-static" $CFLAGS_PC \
    $(pkg-config --libs --static jorge | static_libs) 2>"$TMP/cc.err" && ok ||
    bad "pkg-config --static build: $(head -5 "$TMP/cc.err")"
run_example static "$TMP/ex-static"
! ldd "$TMP/ex-static" | grep -q "libjorgetk" && ok || bad "static build loads a shared libjorgetk"
for t in jorgetk_experiments_shared jorgetk_experiments; do
    # the shared build with a caller's BLA_VENDOR (Generic: the reference names, found here too), which must be kept
    vendor=$([ $t = jorgetk_experiments_shared ] && echo -DBLA_VENDOR=Generic)
    num=$([ $t = jorgetk_experiments_shared ] && echo jorgetk_shared || echo jorgetk)
    cmake -S "$SRC/tests/example" -B "$TMP/ex-cmake-$t" -DCMAKE_PREFIX_PATH="$P" -DJORGE_TARGET=Jorge::$t \
        -DNUMERICS_TARGET=Jorge::$num $vendor \
        -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$SAN" >"$TMP/cmake-$t.log" 2>&1 &&
        cmake --build "$TMP/ex-cmake-$t" >>"$TMP/cmake-$t.log" 2>&1 && ok || bad "find_package build ($t): $(tail -5 "$TMP/cmake-$t.log")"
    run_example "cmake-$t" "$TMP/ex-cmake-$t/example"
    run_numerics "cmake-$num" "$TMP/ex-cmake-$t/numerics"
done
[ "$(cat "$TMP"/ex-*.out | sort -u | wc -l)" = 1 ] && ok || bad "the builds print different lines: $(cat "$TMP"/ex-*.out)"
[ "$(cat "$TMP"/num-*.out | sort -u | wc -l)" = 1 ] && ok || bad "the numerics builds print different lines: $(cat "$TMP"/num-*.out)"

# ---------------------------------------------------------------- the numerical library alone
$CC -std=c11 -Wall -Wextra -Werror $SAN "$SRC/tests/example/numerics.c" -o "$TMP/num-pc" $(pkg-config --cflags --libs jorge-numerics) \
    -lm -Wl,-rpath,"$(pkg-config --variable=libdir jorge-numerics)" 2>"$TMP/cc.err" && ok || bad "jorge-numerics build: $(head -5 "$TMP/cc.err")"
run_numerics pc "$TMP/num-pc"
[ "$(pkg-config --libs jorge-numerics | grep -c experiments)" = 0 ] && ok || bad "jorge-numerics names the experiments library"
ldd "$TMP/num-pc" | grep -q "libjorgetk.so" && ! ldd "$TMP/num-pc" | grep -q "experiments" && ok ||
    bad "the numerics build loads: $(ldd "$TMP/num-pc" | grep jorgetk | tr '\n' ' ')"
$CC -std=c11 -Wall -Wextra -Werror $SAN "$SRC/tests/example/numerics.c" -o "$TMP/num-static" $(pkg-config --cflags jorge-numerics) \
    $(pkg-config --libs --static jorge-numerics | static_libs) -lm 2>"$TMP/cc.err" && ok || bad "jorge-numerics --static build: $(head -5 "$TMP/cc.err")"
run_numerics static "$TMP/num-static"

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
