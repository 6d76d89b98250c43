#!/usr/bin/env bash
# test_trace_cli.sh JORGE TMP - the traceback JG_CHECK records reaches the
# user: with JORGE_TRACE=1 a failing command prints a second line
# "jorge CMD: traceback: file:line <- ..." naming where the failure passed;
# without it exactly the one-line message (as every other test expects).
JORGE=$1
TMP=$2
. "$(dirname "$0")/lib.sh"

# without JORGE_TRACE: one line (expect checks it), also with JORGE_TRACE=0
JORGE_TRACE=0 expect 2 "$TMP/none" validate "$TMP/missing.npy"
unset JORGE_TRACE
expect 2 "$TMP/none" validate "$TMP/missing.npy"

JORGE_TRACE=1 "$JORGE" validate "$TMP/missing.npy" >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ "$rc" = 2 ] || bad "JORGE_TRACE=1: exit $rc, want 2"
[ "$(wc -l <"$TMP/err.txt")" = 2 ] || bad "JORGE_TRACE=1: want 2 lines: $(cat "$TMP/err.txt")"
sed -n 1p "$TMP/err.txt" | grep -q "^jorge validate: .*missing.npy: no such file" || bad "message: $(sed -n 1p "$TMP/err.txt")"
# the failure passed through cmd_validate.c's JG_CHECK_GOTO: its file:line is named
sed -n 2p "$TMP/err.txt" | grep -Eq '^jorge validate: traceback: .*src/cli/cmd_validate\.c:[0-9]+' ||
    bad "traceback line: $(sed -n 2p "$TMP/err.txt")"
ok
finish test_trace_cli
