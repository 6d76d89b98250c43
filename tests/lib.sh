# lib.sh - shared by the end-to-end shell tests (sourced after JORGE and
# TMP are set): NumPy discovery with ctest's skip code, pass/fail counters,
# `expect` for bad-input checks, and the closing "N passed, N failed" line.
PY=/usr/bin/python3
mkdir -p "$TMP"
fail=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# need_numpy: skip the whole test (exit 77) when NumPy is unavailable.
need_numpy() {
    if ! "$PY" -c 'import numpy' 2>/dev/null; then
        echo "SKIP: /usr/bin/python3 with numpy is not available"
        exit 77
    fi
}

# expect CODE OUTFILE CMD...: `jorge CMD...` exits with CODE, leaves no
# OUTFILE, and prints exactly one line "jorge <cmd>: ..." on stderr.
expect() {
    local code=$1 outf=$2; shift 2
    rm -f "$outf"
    "$JORGE" "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"
    local rc=$?
    [ "$rc" = "$code" ] || { bad "exit $rc (want $code): $* : $(cat "$TMP/err.txt")"; return; }
    [ ! -e "$outf" ] || { bad "output left behind: $*"; return; }
    [ "$(wc -l <"$TMP/err.txt")" = 1 ] && grep -q "^jorge $1: " "$TMP/err.txt" ||
        { bad "message: $(cat "$TMP/err.txt")"; return; }
    ok
}

# finish NAME: the closing line and the exit status.
finish() {
    echo "$1: $pass passed, $fail failed"
    [ "$fail" = 0 ] && [ "$pass" -gt 0 ]
}
