#!/usr/bin/env bash
# test_sweep_mpi.sh JORGE TMPDIR - `jorge sweep` under mpirun gives the
# serial run's files byte for byte apart from '#' lines:
#  * 2 ranks (rank 0 hands out configurations and runs some itself) and
#    3 ranks, on a sweep of 8 + 2 configurations (m=16, 30 steps);
#  * a failing configuration: the same failures.csv, exit 1, one stderr line;
#  * a bad sweep file: exit 2, one message (from rank 0 only), no files.
# Every run uses one BLAS thread per process: OpenBLAS's results depend in
# the last bits on its thread count (see README, "Sweeps with MPI").
# Skips (77) when mpirun is absent or jorge was built without MPI.
set -u
jorge=$1 tmp=$2
command -v mpirun >/dev/null || { echo "SKIP: no mpirun (apt-get install openmpi-bin libopenmpi-dev)"; exit 77; }
"$jorge" info 2>/dev/null | grep -q '^mpi: yes' ||
    { echo "SKIP: jorge built without MPI (JG_MPI, libopenmpi-dev)"; exit 77; }
data=$(cd "$(dirname "$0")/data" && pwd)
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Open MPI's own allocations at exit are not this program's leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
data() { grep -v '^#' "$1"; }
same() { # dir1 dir2 names...
    local a=$1 b=$2; shift 2
    for f in "$@"; do
        [ -f "$b/$f.csv" ] || { bad "$b/$f.csv missing"; continue; }
        cmp -s <(data "$a/$f.csv") <(data "$b/$f.csv") || bad "$b/$f.csv differs from the serial $a/$f.csv"
    done
}

cat >sweep.ini <<'INI'
[error-time]
m = 16
steps = 30
every = 10
beta2 = 0.9, 0.99
order = 1, 2
precision = f64, f32
[drift]
m = 12
n = 5
steps = 30
every = 7
spectrum = exp
drift = 0.01
seed = 3..4
INI
"$jorge" sweep --threads 1 --out serial sweep.ini >serial.out 2>&1 || bad "serial run exited $?: $(cat serial.out)"
for np in 2 3; do
    mpirun -np $np --oversubscribe "$jorge" sweep --threads 1 --out mpi$np sweep.ini >mpi$np.out 2>&1 ||
        bad "mpirun -np $np exited $?: $(cat mpi$np.out)"
    grep -q "on $np rank(s)" mpi$np.out || bad "-np $np: not run on $np ranks: $(cat mpi$np.out)"
    same serial mpi$np error-time drift failures
done

cp "$data/sweep_fail.ini" fail.ini
"$jorge" sweep --threads 1 --out fs fail.ini >/dev/null 2>&1
mpirun -np 2 --oversubscribe "$jorge" sweep --threads 1 --out fm fail.ini >fm.out 2>fm.err
rc=$?
[ $rc -eq 1 ] || bad "failing configuration under mpirun: exit $rc, not 1"
[ "$(grep -c 'configuration 1 (m=8 .*scale=1e+308.*) failed at step 1' fm.err)" -eq 1 ] ||
    bad "failing configuration: not exactly one stderr line: $(cat fm.err)"
same fs fm ok big failures

printf '[a]\nm = 8\nbeta2 = 2\n' >bad.ini
mpirun -np 2 --oversubscribe "$jorge" sweep --out ob bad.ini >ob.out 2>ob.err
rc=$?
[ $rc -eq 2 ] || bad "bad file under mpirun: exit $rc, not 2"
[ "$(grep -c '^jorge sweep: bad.ini:3: beta2:' ob.err)" -eq 1 ] || bad "bad file: not one message: $(cat ob.err)"
[ -e ob ] && bad "bad file: output written"

[ $fail -eq 0 ] && echo "test_sweep_mpi: ok"
exit $fail
