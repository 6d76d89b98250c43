#!/usr/bin/env bash
# test_sweep.sh JORGE TMPDIR - `jorge sweep`, serially:
#  * a small sweep (8 + 2 configurations, m=16, 30 steps) writes one CSV per
#    experiment, rows in configuration order then step, every configuration's
#    rows present, beta_eff >= beta2 on every row (the safeguard only raises
#    beta), errors finite;
#  * a configuration's rows depend only on its parameters: the same
#    configuration alone in a sweep gives the same numbers byte for byte;
#  * bad sweep files: exit 2, one line "jorge sweep: FILE:LINE: ...", no files;
#  * a failing configuration (scale 1e308: G G^T overflows) is reported on
#    stderr and in failures.csv with its parameters, exit 1, others present.
# The MPI runs are tests/test_sweep_mpi.sh.
set -u
jorge=$1 tmp=$2
data=$(cd "$(dirname "$0")/data" && pwd)
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
data() { grep -v '^#' "$1"; }

cat >sweep.ini <<'INI'
# 8 configurations: beta2 x order x precision
[error-time]
m = 16
steps = 30
every = 10
beta2 = 0.9, 0.99   # trailing comment
order = 1, 2
precision = f64, f32

[drift]
m = 12
n = 5
steps = 30
every = 7
spectrum = exp
drift = 0.01
kappa = 1e2
seed = 3..4
INI

"$jorge" sweep --threads 1 --out s1 sweep.ini >s1.out 2>s1.err || bad "small sweep exited $?: $(cat s1.err)"
for f in error-time drift failures; do [ -f "s1/$f.csv" ] || bad "s1/$f.csv missing"; done
[ -s s1.err ] && bad "stderr not empty: $(cat s1.err)"
# rows: config 0..7, 3 rows each (steps 10, 20, 30), in order; beta_eff >= beta2; finite errors
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
         { n++; want_cfg = int((n - 1) / 3); want_step = 10 * ((n - 1) % 3 + 1)
           if ($c["config"] != want_cfg || $c["step"] != want_step) { print "row " n ": config " $c["config"] " step " $c["step"]; bad = 1 }
           if ($c["beta_eff"] + 0 < $c["beta2"] + 0) { print "row " n ": beta_eff < beta2"; bad = 1 }
           if ($c["err_tracked"] !~ /^[0-9.e+-]+$/ || $c["err_nominal"] !~ /^[0-9.e+-]+$/) { print "row " n ": error not finite"; bad = 1 } }
         END { if (n != 24) { print n " rows, not 24"; bad = 1 } exit bad }' <(data s1/error-time.csv) ||
    bad "error-time.csv rows (see above)"
# every = 7 over 30 steps: 7, 14, 21, 28 and the last, 30; for seeds 3 and 4
[ "$(data s1/drift.csv | awk -F, 'NR > 1 { printf "%s:%s ", $10, $23 }')" = \
  "3:7 3:14 3:21 3:28 3:30 4:7 4:14 4:21 4:28 4:30 " ] || bad "drift.csv: seeds/steps not as listed"
grep -q '^config,m,n,side,spectrum,kappa,' s1/error-time.csv || bad "header"
[ "$(data s1/failures.csv | wc -l)" -eq 1 ] || bad "failures.csv should hold only its header"

# the product in the documented key order (... precision, beta2, ..., order ...; last fastest)
[ "$(data s1/error-time.csv | awk -F, '$23 == 10 { printf "%s:%s:%s ", $11, $12, $14 }')" = \
  "f64:0.9:1 f64:0.9:2 f64:0.99:1 f64:0.99:2 f32:0.9:1 f32:0.9:2 f32:0.99:1 f32:0.99:2 " ] ||
    bad "error-time.csv: configurations not in the documented order"

# configuration 5 of [error-time] (precision=f32, beta2=0.9, order=2) alone
cat >one.ini <<'INI'
[error-time]
m = 16
steps = 30
every = 10
beta2 = 0.9
order = 2
precision = f32
INI
"$jorge" sweep --threads 1 --out s2 one.ini >/dev/null 2>&1 || bad "one-configuration sweep exited $?"
cmp -s <(data s1/error-time.csv | awk -F, '$1 == 5' | cut -d, -f2-) <(data s2/error-time.csv | awk -F, 'NR > 1' | cut -d, -f2-) ||
    bad "configuration 5 alone differs from configuration 5 in the sweep"

# bad sweep files: exit 2, FILE:LINE, nothing written
badfile() { # name, text, expected message (grep -E)
    printf "$2" >"$1.ini"
    "$jorge" sweep --out "out-$1" "$1.ini" >/dev/null 2>"$1.err"
    local rc=$?
    [ $rc -eq 2 ] || bad "$1: exit $rc, not 2"
    [ "$(wc -l <"$1.err")" -eq 1 ] || bad "$1: not one line: $(cat "$1.err")"
    grep -Eq "^jorge sweep: $1.ini:$3" "$1.err" || bad "$1: message '$(cat "$1.err")' does not match '$1.ini:$3'"
    [ -e "out-$1" ] && bad "$1: output written"
}
badfile range '[a]\nm = 8\nbeta2 = 0.9, 1.5\n' "3: beta2: '1.5' is out of range"
badfile nosection '# x\nm = 8\n' "2: 'm' before any \\[section\\]"
badfile unknown '[a]\n\nfoo = 1\n' "3: unknown key 'foo'"
badfile empty '[a]\nm = 8,\n' "2: m: empty value"
badfile twice '[a]\nm = 8\nm = 9\n' "3: m: set twice"
badfile choice '[a]\nprecision = f16\n' "2: precision: 'f16' is not one of"
badfile header '[a\n' "1: section header"
badfile nothing '# only a comment\n' " no \\[section\\]"
badfile range2 '[a]\nseed = 5..1\n' "2: seed: range 5..1 is empty"

# a failing configuration: reported with its parameters, the others present
cp "$data/sweep_fail.ini" fail.ini
"$jorge" sweep --threads 1 --out f1 fail.ini >f1.out 2>f1.err
rc=$?
[ $rc -eq 1 ] || bad "failing configuration: exit $rc, not 1"
grep -q "^jorge sweep: \[big\] configuration 1 (m=8 .*scale=1e+308 .*) failed at step 1: " f1.err ||
    bad "no stderr line naming the failed configuration: $(cat f1.err)"
[ "$(data f1/failures.csv | wc -l)" -eq 2 ] || bad "failures.csv should have one row"
data f1/failures.csv | grep -q '^big,1,8,4,left,power,1000,1e+308,' || bad "failures.csv row: $(data f1/failures.csv)"
[ "$(data f1/ok.csv | awk -F, 'NR > 1' | wc -l)" -eq 9 ] || bad "ok.csv: 3 configurations x 3 rows expected"
[ "$(data f1/big.csv | awk -F, 'NR > 1 { print $1 }' | sort -u)" = "0" ] || bad "big.csv: only configuration 0 expected"

[ $fail -eq 0 ] && echo "test_sweep: ok"
exit $fail
