#!/usr/bin/env bash
# test_blas_kernel.sh JORGE TMP - the BLAS kernel is known and the right one
# (src/core/blas_info.h, issue 23): `jorge info` names the kernel and the CPU;
# every CSV's provenance names them; when OpenBLAS runs generic kernels on
# a CPU with AVX2 or AVX-512 the command re-executes itself once with
# OPENBLAS_CORETYPE set (exercised with JG_BLAS_TEST_FALLBACK=1, which
# treats a forced Prescott as OpenBLAS's own fallback), a user's own
# OPENBLAS_CORETYPE is respected, and a generic kernel left running is
# said once on stderr.
JORGE=$1 TMP=$2
source "$(dirname "$0")/lib.sh"
unset OPENBLAS_CORETYPE JG_BLAS_AUTO JG_BLAS_TEST_FALLBACK

info=$("$JORGE" info) || bad "jorge info failed"
grep -q '^blas kernel: [A-Za-z0-9]' <<<"$info" && ok || bad "info names no kernel: $info"
grep -q '^cpu model: .*family [0-9]* model [0-9]*' <<<"$info" && ok || bad "info names no CPU model: $info"
grep -q '^cpu: OpenBLAS [0-9.]*, kernel ' <<<"$info" && ok || bad "info's backend line: $info"

# provenance of a CSV (src/core/csv.c) and of an experiment's CSV (experiments/csv.c)
"$JORGE" gen stream --m 8 --cols 4 --steps 12 --seed 1 --out "$TMP/g.npy" 2>"$TMP/err" || bad "gen: $(cat "$TMP/err")"
"$JORGE" track --out "$TMP/t.csv" "$TMP/g.npy" >/dev/null 2>"$TMP/err" || bad "track: $(cat "$TMP/err")"
grep -q '^# backend: cpu: OpenBLAS .*, kernel ' "$TMP/t.csv" && ok || bad "track CSV names no kernel"
grep -q '^# cpu: .*family' "$TMP/t.csv" && ok || bad "track CSV names no CPU"
"$JORGE" experiment truncation --quick --seed 1 --out "$TMP/e.csv" 2>"$TMP/err" || bad "experiment: $(cat "$TMP/err")"
grep -q '^# blas: cpu: OpenBLAS .*, kernel ' "$TMP/e.csv" && ok || bad "experiment CSV names no kernel"
grep -q '^# cpu: ' "$TMP/e.csv" && ok || bad "experiment CSV names no CPU"

arch=$(uname -m)
cpu_level=$(sed -n 's/^blas kernel: .* on a CPU with \([A-Z0-9-]*\)).*/\1/p' <<<"$info")
if [ "$arch" != x86_64 ] || { [ "$cpu_level" != AVX2 ] && [ "$cpu_level" != AVX-512 ]; }; then
    echo "SKIP (partly): the re-execution needs an x86-64 CPU with AVX2 or AVX-512 (here $arch, ${cpu_level:-?})"
    finish test_blas_kernel
    exit $?
fi
want=Haswell
[ "$cpu_level" = AVX-512 ] && want=SkylakeX

# a generic kernel forced by the user: respected, said in info and once on stderr
pi=$(OPENBLAS_CORETYPE=Prescott "$JORGE" info)
grep -q '^blas kernel: Prescott .*from the environment' <<<"$pi" && ok || bad "forced Prescott not respected: $pi"
grep -q "^blas warning: .*Prescott.*OPENBLAS_CORETYPE=$want" <<<"$pi" && ok || bad "no warning in info: $pi"
OPENBLAS_CORETYPE=Prescott "$JORGE" gen spd --n 4 --seed 1 --out "$TMP/a.npy" 2>"$TMP/err" || bad "gen under Prescott"
[ "$(grep -c 'jorge: warning: OpenBLAS .* Prescott kernel' "$TMP/err")" = 1 ] && ok ||
    bad "warning not said exactly once: $(cat "$TMP/err")"

# OpenBLAS's own fallback (simulated): jorge re-executes itself once with the matching core
fi_=$(JG_BLAS_TEST_FALLBACK=1 OPENBLAS_CORETYPE=Prescott "$JORGE" info)
grep -q "^blas kernel: $want .*set by jorge" <<<"$fi_" && ok || bad "no re-execution to $want: $fi_"
grep -q '^blas warning' <<<"$fi_" && bad "warning after the fix: $fi_" || ok
JG_BLAS_TEST_FALLBACK=1 OPENBLAS_CORETYPE=Prescott "$JORGE" track --out "$TMP/t2.csv" "$TMP/g.npy" >/dev/null 2>"$TMP/err" ||
    bad "track after re-execution: $(cat "$TMP/err")"
grep -q -i "warning" "$TMP/err" && bad "warning after re-execution: $(cat "$TMP/err")" || ok
grep -q "^# backend: cpu: OpenBLAS .*, kernel $want (.*set by jorge" "$TMP/t2.csv" && ok || bad "CSV after re-execution"
# the arguments survive the re-execution unchanged (same rows as without it)
diff <(grep -v '^#' "$TMP/t.csv") <(grep -v '^#' "$TMP/t2.csv") >/dev/null && ok || bad "rows differ after re-execution"
# JG_BLAS_AUTO=off: no re-execution, the warning instead
fo=$(JG_BLAS_AUTO=off JG_BLAS_TEST_FALLBACK=1 OPENBLAS_CORETYPE=Prescott "$JORGE" info)
grep -q '^blas kernel: Prescott' <<<"$fo" && grep -q '^blas warning' <<<"$fo" && ok || bad "JG_BLAS_AUTO=off: $fo"
# a user's explicit non-generic choice: respected, no warning
hi=$(OPENBLAS_CORETYPE=Haswell "$JORGE" info 2>&1)
grep -q '^blas kernel: Haswell .*from the environment' <<<"$hi" && ok || bad "Haswell not respected: $hi"
grep -q 'warning' <<<"$hi" && bad "warning for Haswell: $hi" || ok
finish test_blas_kernel
