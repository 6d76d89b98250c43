#!/usr/bin/env bash
# test_hostile_cli.sh JORGE TMPDIR - the command used the wrong way, as a
# red team did (issue 30), each probe kept as a check:
#   - output sets committed whole: a failure (ENOSPC, EIO, SIGTERM, SIGINT)
#     injected with JG_TEST_FAULT at every write, fsync and rename of
#     validate's JSON + CSV, sweep's files and train's CSV + captures leaves
#     every previous file as it was and no temporary, and names the errno;
#   - train never replaces its data files or one of its captures;
#   - no temporary after SIGPIPE (bench | true) or SIGXFSZ (ulimit -f);
#   - /dev/stdout appended to (CSV) or refused (.npy), never renamed over;
#     "-" is standard output for CSV/JSON and refused for .npy;
#   - the umask for a new file, an existing file's mode kept.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/../lib.sh"
rm -rf "$TMP" && mkdir -p "$TMP" && cd "$TMP" || exit 1
temps() { ls -A "$@" 2>/dev/null | grep -c '\.tmp'; }

"$JORGE" gen stream --m 8 --cols 4 --steps 20 --out g.npy >/dev/null 2>&1 || bad "gen stream"
"$JORGE" gen spd --n 8 --out spd.npy >/dev/null 2>&1 || bad "gen spd"

# ---------------------------------------------------------------- validate's set
for spec in write:1:ENOSPC write:2:EIO fsync:1:EIO fsync:2:ENOSPC rename:1:ENOSPC rename:2:ENOSPC \
            rename:1:SIGTERM rename:2:SIGTERM rename:2:SIGINT; do
    for have in both none; do
        rm -f r.json r.csv
        [ $have = both ] && { echo OLDJ >r.json; echo OLDC >r.csv; }
        JG_TEST_FAULT=$spec "$JORGE" validate --no-suggest --json r.json --csv r.csv g.npy >out.txt 2>err.txt
        rc=$?
        case $spec in *SIGTERM) want=143 ;; *SIGINT) want=130 ;; *) want=2 ;; esac
        [ $rc = $want ] || { bad "validate $spec ($have): exit $rc, want $want: $(tail -1 err.txt)"; continue; }
        if [ $have = both ]; then
            [ "$(cat r.json)" = OLDJ ] && [ "$(cat r.csv)" = OLDC ] || { bad "validate $spec: an old report replaced"; continue; }
        else
            [ ! -e r.json ] && [ ! -e r.csv ] || { bad "validate $spec: a new report left"; continue; }
        fi
        [ "$(temps -A .)" = 0 ] || { bad "validate $spec: temporaries left: $(ls -A)"; continue; }
        case $spec in
            *ENOSPC) grep -q "No space left on device" err.txt || { bad "validate $spec: errno not named: $(cat err.txt)"; continue; } ;;
            *EIO) grep -q "Input/output error" err.txt || { bad "validate $spec: errno not named: $(cat err.txt)"; continue; } ;;
        esac
        ok
    done
done
"$JORGE" validate --no-suggest --json r.json --csv r.csv g.npy >/dev/null 2>&1
[ "$(head -c 1 r.json)" = "{" ] && grep -q '^layer,side' r.csv && ok || bad "validate: the set is not written without a fault"

# outputs that are inputs, devices, the same file twice
expect 2 x.json validate --json g.npy g.npy
cmp -s g.npy <("$PY" -c 'import sys' 2>/dev/null; cat g.npy) && ok || bad "g.npy damaged"
expect 2 x.json validate --json /dev/null g.npy
[ -c /dev/null ] && ok || bad "/dev/null is no longer a device"
expect 2 x.json validate --json - --csv /dev/stdout g.npy

# gradients whose outer products underflow or overflow: cannot judge, not PASS
"$PY" -c "import numpy as np; g = np.load('g.npy'); np.save('tiny.npy', g * 1e-200); np.save('huge.npy', g * 1e200)" 2>/dev/null
if [ -f tiny.npy ]; then
    for f in tiny huge; do
        "$JORGE" validate --no-suggest $f.npy >out.txt 2>err.txt
        rc=$?
        [ $rc = 2 ] && grep -q "flow" err.txt && ok || bad "validate $f.npy: exit $rc: $(grep -v step err.txt)"
    done
fi

# ---------------------------------------------------------------- standard output
"$JORGE" validate --no-suggest --json - g.npy >j.out 2>/dev/null
[ "$(head -c 1 j.out)" = "{" ] && grep -q '"verdict"' j.out && [ ! -e ./- ] && ok || bad "validate --json -: $(head -c 80 j.out)"
"$JORGE" track --out - g.npy 2>/dev/null | grep -q '^step,side' && [ ! -e ./- ] && ok || bad "track --out - did not print CSV"
echo kept >log.txt
"$JORGE" track --out /dev/stdout g.npy >>log.txt 2>/dev/null
[ "$(head -1 log.txt)" = kept ] && grep -q '^step,side' log.txt && ok || bad "track --out /dev/stdout >> log: log replaced"
echo kept >log2.txt
expect 2 x.npy invroot spd.npy /dev/stdout
"$JORGE" invroot spd.npy /dev/stdout >>log2.txt 2>/dev/null
[ $? = 2 ] && [ "$(cat log2.txt)" = kept ] && ok || bad "invroot .. /dev/stdout >> log: $(head -c 40 log2.txt)"
expect 2 x.npy gen spd --n 4 --out -
[ ! -e ./- ] && ok || bad "a file named - was written"

# ---------------------------------------------------------------- signals
for i in 1 2 3; do
    "$JORGE" bench --sizes 64 --repeats 1 --out b.csv | true
    rc=${PIPESTATUS[0]}
    [ $rc = 141 ] || [ $rc = 0 ] || bad "bench | true: exit $rc"
done
[ "$(temps -A .)" = 0 ] && ok || bad "bench | true left temporaries: $(ls -A | grep tmp)"
for cmd in "gen stream --m 64 --cols 64 --steps 40 --out big.npy" "track --out big.csv g.npy" \
           "invroot spd.npy big2.npy"; do
    (ulimit -f 4; exec "$JORGE" $cmd) >/dev/null 2>&1
    rc=$?
    [ "$(temps -A .)" = 0 ] && ok || bad "ulimit -f 4: $cmd (exit $rc) left temporaries: $(ls -A | grep tmp)"
done

# ---------------------------------------------------------------- modes
rm -f u.csv
(umask 077; "$JORGE" track --out u.csv g.npy >/dev/null 2>&1)
[ "$(stat -c %a u.csv)" = 600 ] && ok || bad "umask 077: u.csv is $(stat -c %a u.csv)"
chmod 640 u.csv
"$JORGE" track --out u.csv g.npy >/dev/null 2>&1
[ "$(stat -c %a u.csv)" = 640 ] && ok || bad "replaced 0640 file is $(stat -c %a u.csv)"

# ---------------------------------------------------------------- sweep's set
cat >sweep.ini <<'INI'
[a]
m = 6
steps = 10
every = 5
order = 1, 2

[b]
m = 5
steps = 10
every = 5
INI
if "$JORGE" sweep --threads 1 --out s sweep.ini >/dev/null 2>&1; then
    for f in a b failures; do cp "s/$f.csv" "s/$f.old"; done
    for spec in rename:1:SIGTERM rename:2:SIGTERM rename:3:SIGINT rename:2:ENOSPC fsync:3:EIO; do
        JG_TEST_FAULT=$spec "$JORGE" sweep --threads 1 --seed 9 --out s sweep.ini >/dev/null 2>err.txt
        rc=$?
        [ $rc != 0 ] || { bad "sweep $spec: exit 0"; continue; }
        same=1
        for f in a b failures; do cmp -s "s/$f.csv" "s/$f.old" || same=0; done
        [ $same = 1 ] && [ "$(temps -A s)" = 0 ] && ok || bad "sweep $spec (exit $rc): files changed or temporaries: $(ls -A s)"
    done
else
    bad "sweep did not run"
fi

# ---------------------------------------------------------------- train
# a tiny IDX data set (64 training, 32 test images of 28 x 28)
mkdir -p d
"$PY" - d <<'PYEOF' || bad "could not write the IDX files"
import gzip, struct, sys, random
random.seed(1)
for prefix, n in (("train", 64), ("t10k", 32)):
    with gzip.open("%s/%s-images-idx3-ubyte.gz" % (sys.argv[1], prefix), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + bytes(random.randrange(256) for _ in range(n * 784)))
    with gzip.open("%s/%s-labels-idx1-ubyte.gz" % (sys.argv[1], prefix), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(random.randrange(10) for _ in range(n)))
PYEOF
cp d/t10k-labels-idx1-ubyte.gz labels.orig
expect 2 x.csv train --data d --out d/t10k-labels-idx1-ubyte.gz --epochs 1 --batch 32
cmp -s labels.orig d/t10k-labels-idx1-ubyte.gz && ok || bad "train --out replaced its labels"
grep -q "same file as the input" "$TMP/err.txt" && ok || bad "train --out data: $(cat "$TMP/err.txt")"
mkdir -p cap
echo OLDG >cap/G.npy
expect 2 x.csv train --data d --out cap/G.npy --capture-dir cap --capture-steps 1 --epochs 1 --batch 32 \
    --optimizer shampoo
[ "$(cat cap/G.npy)" = OLDG ] && ok || bad "train --out over its own capture"
targs="--data d --epochs 1 --batch 32 --optimizer shampoo --capture-dir cap --capture-steps 1,2 --hidden 16"
if "$JORGE" train $targs --out t.csv >/dev/null 2>err.txt; then
    for f in t.csv cap/L.npy cap/R.npy cap/G.npy cap/steps.npy; do cp "$f" "$f.old"; done
    for spec in rename:1:SIGTERM rename:3:SIGTERM rename:5:SIGINT rename:4:ENOSPC fsync:2:EIO; do
        JG_TEST_FAULT=$spec "$JORGE" train $targs --seed 7 --out t.csv >/dev/null 2>err.txt
        rc=$?
        [ $rc != 0 ] || { bad "train $spec: exit 0"; continue; }
        same=1
        for f in t.csv cap/L.npy cap/R.npy cap/G.npy cap/steps.npy; do cmp -s "$f" "$f.old" || same=0; done
        [ $same = 1 ] && [ "$(temps -A . cap)" = 0 ] && ok || bad "train $spec (exit $rc): outputs changed or temporaries"
    done
else
    bad "train did not run: $(cat err.txt)"
fi
finish test_hostile_cli
