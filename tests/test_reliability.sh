# test_reliability.sh JORGE TMPDIR - hostile probes against every command
# (issue 17): special files as inputs, an output that is an input, symbolic
# links, interrupts, memory limits (JG_MEM_LIMIT and ulimit -v), 0-step and
# all-zero streams, values a precision cannot hold, and the one-line
# messages.  Each probe must end in a clean refusal (exit 2, one line naming
# the file, no output) or a correct result; none may hang (every command runs
# under `timeout`), leave a temporary file, or change an input.
# Runs in seconds; needs only python3's standard library (to write .npy).
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
rm -rf "$TMP"/*
T=$TMP
J() { timeout 20 "$JORGE" "$@"; }

# probe CODE PATTERN CMD...: exit CODE, exactly one stderr line "jorge CMD: "
# containing PATTERN (a grep -E expression), nothing hangs.
probe() {
    local code=$1 pat=$2; shift 2
    J "$@" >"$T/out.txt" 2>"$T/err.txt"
    local rc=$?
    [ "$rc" = "$code" ] || { bad "exit $rc (want $code): $* : $(head -c 400 "$T/err.txt")"; return; }
    [ "$(wc -l <"$T/err.txt")" = 1 ] && grep -q "^jorge $1: " "$T/err.txt" && grep -qE -- "$pat" "$T/err.txt" ||
        { bad "message (want /$pat/): $* : $(head -c 400 "$T/err.txt")"; return; }
    ok
}
# no temporary file anywhere under $T
no_temps() {
    local left
    left=$(find "$T" -name '.*.tmp*' | head -3)
    [ -z "$left" ] && ok || bad "temporary files left ($1): $left"
}

# ---------------------------------------------------------------- inputs
J gen stream --m 6 --cols 4 --steps 30 --out "$T/s.npy" >/dev/null || bad "gen stream"
J gen spd --n 8 --out "$T/a.npy" >/dev/null || bad "gen spd"
J gen stream --m 40 --cols 20 --steps 3000 --out "$T/long.npy" >/dev/null || bad "gen long stream"
"$PY" - "$T" <<'EOF' || bad "writing .npy files"
import struct, sys
d = sys.argv[1]
def save(path, shape, values, code='d'):
    descr = '<f8' if code == 'd' else '<f4'
    dims = '%d,' % shape[0] if len(shape) == 1 else ', '.join(str(s) for s in shape)
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    total = (10 + len(hdr) + 1 + 63) // 64 * 64
    hdr += ' ' * (total - 10 - len(hdr) - 1) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
        f.write(struct.pack('<%d%s' % (len(values), code), *values))
    return total
save(f'{d}/zero_steps.npy', (0, 6, 4), [])
save(f'{d}/zeros.npy', (5, 6, 4), [0.0] * 120)
save(f'{d}/vec.npy', (7,), [1.0] * 7)
save(f'{d}/mat.npy', (6, 4), [float(i + 1) for i in range(24)])
save(f'{d}/tiny.npy', (4, 4), [1e-50 if i % 5 == 0 else 0.0 for i in range(16)])
# consistent headers of huge arrays, data left sparse: refused before reading
for name, shape in (('huge_mat.npy', (25000, 25000)), ('huge_stream.npy', (10, 20000, 20000))):
    n = 1
    for s in shape: n *= s
    off = save(f'{d}/{name}', shape, [])
    with open(f'{d}/{name}', 'r+b') as f:
        f.truncate(off + 8 * n)
EOF
mkfifo "$T/fifo.npy" "$T/fifo.ini"
printf '[a]\nm = 6\nsteps = 8\nevery = 4\nbeta2 = 0.9, 0.99\n' >"$T/ok.ini"

# ---------------------------------------------------------------- special files
probe 2 "fifo.npy: is a FIFO, not a regular file" invroot "$T/fifo.npy" "$T/o.npy"
probe 2 "fifo.npy: is a FIFO" track --out "$T/o.csv" "$T/fifo.npy"
probe 2 "fifo.npy: is a FIFO" step init "$T/fifo.npy" "$T/o.npy"
probe 2 "fifo.npy: is a FIFO" experiment error-time --input "$T/fifo.npy" --out "$T/o.csv"
probe 2 "fifo.ini: is a FIFO" sweep --out "$T/sw" "$T/fifo.ini"
probe 2 "is a directory, not a regular file" track --out "$T/o.csv" "$T"
probe 2 "/dev/zero: is a character device" invroot /dev/zero "$T/o.npy"
[ ! -e "$T/o.npy" ] && [ ! -e "$T/o.csv" ] && ok || bad "an output was written by a refused command"

# ---------------------------------------------------------------- output = input
sum_before=$(cksum <"$T/s.npy")
sum_a=$(cksum <"$T/a.npy")
probe 2 "is the same file as the input" track --out "$T/s.npy" "$T/s.npy"
probe 2 "is the same file as the input" invroot "$T/a.npy" "$T/a.npy"
probe 2 "is the same file as the input" experiment error-time --input "$T/s.npy" --out "$T/s.npy"
probe 2 "is the same file as the input" step init "$T/mat.npy" "$T/mat.npy"
ln "$T/a.npy" "$T/hard.npy"
ln -s a.npy "$T/soft.npy"
probe 2 "is the same file as the input" invroot "$T/a.npy" "$T/hard.npy"
probe 2 "is the same file as the input" invroot "$T/a.npy" "$T/soft.npy"
cp "$T/ok.ini" "$T/sw_in.csv"
mkdir -p "$T/swd" && ln -s ../sw_in.csv "$T/swd/a.csv"
probe 2 "is the same file as the input" sweep --out "$T/swd" "$T/sw_in.csv"
[ "$(cksum <"$T/s.npy")" = "$sum_before" ] && [ "$(cksum <"$T/a.npy")" = "$sum_a" ] && ok ||
    bad "an input was changed"

# ---------------------------------------------------------------- outputs
# a symbolic link is written through (the link stays)
ln -s real.npy "$T/link.npy"
J invroot "$T/a.npy" "$T/link.npy" >/dev/null && [ -L "$T/link.npy" ] && [ -f "$T/real.npy" ] && ok ||
    bad "symlinked output: link replaced or target not written"
# checked before any work: a missing directory, a directory (the long stream would take seconds)
probe 2 "nodir.*No such file or directory" track --out "$T/nodir/o.csv" "$T/long.npy"
probe 2 "is a directory; an output must be a regular file" track --out "$T" "$T/long.npy"
probe 2 "is a directory" experiment error-time --out "$T" --steps 5
probe 2 "nodir" gen spd --n 4 --out "$T/nodir/x.npy"
probe 2 "nodir" bench --sizes 8 --out "$T/nodir/b.csv"
# a legal 250-byte name works; a 300-byte one is refused up front
long=$(printf 'n%.0s' $(seq 250))
J gen spd --n 4 --out "$T/$long" >/dev/null && [ -f "$T/$long" ] && ok || bad "250-byte output name"
probe 2 "more than" gen spd --n 4 --out "$T/$long$long"
# a newline in a name stays on one line
probe 2 'new\\nline' invroot "$T/new
line.npy" "$T/o.npy"
no_temps "outputs"

# ---------------------------------------------------------------- silent results
probe 2 "no gradients \(T = 0\)" track --out "$T/o.csv" "$T/zero_steps.npy"
probe 2 "no gradients \(T = 0\)" experiment error-time --input "$T/zero_steps.npy" --out "$T/o.csv"
probe 2 "every gradient is zero" track --out "$T/o.csv" "$T/zeros.npy"
probe 2 "is a 1-D array" track --out "$T/o.csv" "$T/vec.npy"
probe 2 "is a 2-D array \(6, 4\)" experiment safeguard --input "$T/mat.npy" --out "$T/o.csv"
probe 2 "overflows float32" gen stream --scale 1e100 --dtype f32 --out "$T/o.npy"
probe 2 "below float32's range" invroot --precision f32 "$T/tiny.npy" "$T/o.npy"
probe 2 "underflows float32" track --precision f32 --eps 1e300 --out "$T/o.csv" "$T/s.npy"
printf '[a]\nm = 6\nbeta2 = 0.9,,0.99\n' >"$T/empty_item.ini"
probe 2 "empty_item.ini:3: beta2: empty value" sweep --out "$T/sw" "$T/empty_item.ini"
[ ! -e "$T/o.npy" ] && [ ! -e "$T/o.csv" ] && [ ! -e "$T/sw" ] && ok || bad "an output was written by a refused command"

# ---------------------------------------------------------------- messages
probe 2 "out of range \[1e-12, 0.999999999999\]" track --beta2 0.9999999999999 --out "$T/o.csv" "$T/s.npy"
probe 2 "out of range \[1, 1000000000\]" track --every 0 --out "$T/o.csv" "$T/s.npy"
probe 2 "out of range \[0, 2147483647\]" gen spd --seed -1 --out "$T/o.npy"

# ---------------------------------------------------------------- memory
JG_MEM_LIMIT=1G probe 2 "needs about .* but 1.0 GiB is available \(JG_MEM_LIMIT=1G\)" bench --sizes 30000
probe 2 "bench at m = 65536 needs about" bench --sizes 65536
JG_MEM_LIMIT=3G probe 2 "huge_mat.npy: .* needs about" invroot "$T/huge_mat.npy" "$T/o.npy"
JG_MEM_LIMIT=3G probe 2 "huge_stream.npy: .* needs about" track --out "$T/o.csv" "$T/huge_stream.npy"
JG_MEM_LIMIT=3G probe 2 "needs about" gen spd --n 16384 --out "$T/o.npy"
printf '[big]\nm = 30000\nsteps = 1\n' >"$T/big.ini"
JG_MEM_LIMIT=3G probe 2 "big.ini: the largest configuration needs about" sweep --out "$T/sw" "$T/big.ini"
printf '[many]\nm = 4\nseed = 0..999\norder = 1..8\nsteps = 1..200\n' >"$T/many.ini"
probe 2 "expands to more than 1000000 configurations" sweep --out "$T/sw" "$T/many.ini"
JG_MEM_LIMIT=lots probe 2 "JG_MEM_LIMIT: 'lots' is not a size" gen spd --n 4 --out "$T/o.npy"
# the kernel's limit: under `ulimit -v` a size that cannot fit is refused, not
# killed (AddressSanitizer reserves terabytes of address space: skipped there)
if ldd "$JORGE" 2>/dev/null | grep -q libasan; then
    echo "SKIP: ulimit -v probes under AddressSanitizer (it maps terabytes of shadow memory)"
else
    for args in "bench --sizes 30000" "invroot $T/huge_mat.npy $T/o.npy" "track --out $T/o.csv $T/huge_stream.npy" \
        "gen stream --m 16384 --cols 16384 --steps 4 --out $T/o.npy"; do
        (ulimit -v 3000000; exec timeout 20 "$JORGE" $args) >"$T/out.txt" 2>"$T/err.txt"
        rc=$?
        [ "$rc" = 2 ] && grep -q "RLIMIT_AS" "$T/err.txt" && ok || bad "ulimit -v 3000000 $args: exit $rc: $(cat "$T/err.txt")"
    done
    # and a size that fits still runs there
    (ulimit -v 3000000; exec timeout 20 "$JORGE" invroot "$T/a.npy" "$T/o.npy") >/dev/null 2>"$T/err.txt" && ok ||
        bad "ulimit -v 3000000: a small invroot failed: $(cat "$T/err.txt")"
    rm -f "$T/o.npy"
fi

# ---------------------------------------------------------------- full disk
# a file size limit (SIGXFSZ ignored: writes fail with EFBIG) must give the reason
(trap '' XFSZ; ulimit -f 4; exec timeout 20 "$JORGE" experiment error-time --input "$T/long.npy" --steps 200 --out "$T/o.csv") \
    >/dev/null 2>"$T/err.txt"
rc=$?
[ "$rc" = 2 ] && grep -q "o.csv: write failed: File too large" "$T/err.txt" && [ ! -e "$T/o.csv" ] && ok ||
    bad "experiment on a full disk: exit $rc: $(cat "$T/err.txt")"
printf '[a]\nm = 6\nsteps = 400\nevery = 1\nbeta2 = 0.9, 0.99\n' >"$T/fill.ini"
(trap '' XFSZ; ulimit -f 4; exec timeout 20 "$JORGE" sweep --out "$T/swf" "$T/fill.ini") >/dev/null 2>"$T/err.txt"
rc=$?
[ "$rc" = 2 ] && grep -q "write failed: File too large" "$T/err.txt" && [ -z "$(ls -A "$T/swf")" ] && ok ||
    bad "sweep on a full disk: exit $rc: $(cat "$T/err.txt")"
no_temps "full disk"

# ---------------------------------------------------------------- interrupts
# kill CMD with each signal once its temporary file exists: exit 128 + signal,
# no temporary file, no output.  Job control on, so that a background job
# does not start with SIGINT ignored.
set -m
interrupt() {
    local sig=$1 num=$2 out=$3; shift 3
    "$JORGE" "$@" >/dev/null 2>&1 &
    local pid=$! i seen=0
    for i in $(seq 200); do
        [ -n "$(find "$T/int" -name '.*.tmp*' 2>/dev/null | head -1)" ] && seen=1 && break
        sleep 0.05
    done
    [ "$seen" = 1 ] && ok || bad "$sig during $1: no temporary file appeared within 10 s"
    kill -"$sig" "$pid" 2>/dev/null
    wait "$pid"
    local rc=$?
    [ "$rc" = $((128 + num)) ] && ok || bad "$sig during $1: exit $rc (want $((128 + num)))"
    [ -z "$(find "$T/int" -name '.*.tmp*' | head -1)" ] && [ ! -e "$out" ] && ok || bad "$sig during $1: files left: $(ls -A "$T/int")"
}
mkdir -p "$T/int"
printf '[a]\nm = 40\nsteps = 100000\nevery = 1000\n' >"$T/slow.ini"
for s in "INT 2" "TERM 15" "HUP 1"; do
    set -- $s
    interrupt "$1" "$2" "$T/int/t.csv" track --every 1 --out "$T/int/t.csv" "$T/long.npy"
    interrupt "$1" "$2" "$T/int/e.csv" experiment error-time --input "$T/long.npy" --steps 3000 --out "$T/int/e.csv"
    interrupt "$1" "$2" "$T/int/b.csv" bench --sizes 512 --repeats 64 --budget 100 --out "$T/int/b.csv"
    interrupt "$1" "$2" "$T/int/sw/a.csv" sweep --out "$T/int/sw" "$T/slow.ini"
done
set +m
no_temps "interrupts"

# ---------------------------------------------------------------- validate, train
# These two commands are integrated separately (issue 17 report): their probes
# run once `jorge validate --help` and `jorge train --help` mention
# JG_MEM_LIMIT (the marker of that integration), and are skipped before.
if J validate --help 2>/dev/null | grep -q JG_MEM_LIMIT; then
    mkdir -p "$T/vdir" && mkfifo "$T/vdir/layer.npy"
    probe 2 "layer.npy: is a FIFO" validate "$T/vdir"
    cp "$T/s.npy" "$T/v.npy"
    sum_v=$(cksum <"$T/v.npy")
    probe 2 "(is the same file as the input|is the input)" validate --json "$T/v.npy" "$T/v.npy"
    [ "$(cksum <"$T/v.npy")" = "$sum_v" ] && ok || bad "validate --json X X changed X"
    probe 2 "zero_steps.npy" validate "$T/zero_steps.npy"
    probe 2 "zero" validate "$T/zeros.npy"
    JG_MEM_LIMIT=3G probe 2 "huge_stream.npy: .* needs about" validate "$T/huge_stream.npy"
    probe 2 "float32" validate --precision f32 --eps-mode abs --eps 1e300 "$T/s.npy"
    # one suggestion run that fails is recorded in the report, not fatal: the JSON is written
    J validate --json "$T/v.json" --tol 1e-12 "$T/s.npy" >/dev/null 2>&1
    [ -s "$T/v.json" ] && ok || bad "validate --json wrote no report"
else
    echo "SKIP: validate probes (jorge validate --help does not mention JG_MEM_LIMIT yet)"
fi
if J train --help 2>/dev/null | grep -q JG_MEM_LIMIT; then
    JG_MEM_LIMIT=3G probe 2 "needs about" train --optimizer sgd --hidden 50000,50000 --out "$T/tr.csv"
    probe 2 "nodir" train --optimizer sgd --epochs 1 --train-limit 100 --test-limit 100 \
        --capture-steps 1-2 --capture-dir "$T/nodir/cap" --out "$T/tr.csv"
    probe 2 "is a directory" train --optimizer sgd --epochs 1 --train-limit 100 --test-limit 100 --out "$T"
    [ ! -e "$T/tr.csv" ] && ok || bad "train wrote its CSV after a refusal"
else
    echo "SKIP: train probes (jorge train --help does not mention JG_MEM_LIMIT yet)"
fi
no_temps "validate, train"

finish test_reliability
