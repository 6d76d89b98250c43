#!/usr/bin/env bash
# test_layers.sh JORGE TMPDIR - the build's layers, checked rather than
# promised.  The numerical library is the core (src/, with the CPU backend),
# the CUDA backend (cuda/), the exact roots (reference/) and the
# approximations (approx/); the experiments library (experiments/: validate,
# compare, bench, training, the experiment drivers and the sweep scheduler)
# sits on it, the C ABI of the Python package (src/capi/api.c) and the umbrella
# header on both, and the command (src/cli/) on everything.  Two checks:
#   1. includes: a file includes only headers of its own layer or below
#      (core and cuda < reference < approx < experiments < cli);
#   2. symbols: no object of the numerical library in libjorgetk.a needs a
#      symbol that only an object of the experiments library defines, so
#      the numerical objects link without the experiments (nm).
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC"

rank() { # path -> layer number (empty: not layered)
    case $1 in
    src/cli/*) echo 5 ;;
    src/capi/* | src/include/* | src/python/*) echo 4 ;;
    experiments/*) echo 3 ;;
    approx/*) echo 2 ;;
    reference/*) echo 1 ;;
    src/core/* | cuda/*) echo 0 ;;
    esac
}
viol=""
n=0
for f in $(git ls-files --cached --others --exclude-standard 'src/*.[ch]' 'cuda/*.[ch]' 'cuda/*.cu' 'reference/*.[ch]' 'approx/*.[ch]' 'experiments/*.[ch]'); do
    rf=$(rank "$f")
    [ -n "$rf" ] || continue
    for inc in $(sed -n 's/^#include "\([a-z_]*\/[^"]*\)".*/\1/p' "$f"); do
        n=$((n + 1))
        ri=$(rank "$inc")
        [ -n "$ri" ] || continue
        [ "$ri" -le "$rf" ] || viol="$viol $f->$inc"
    done
done
[ "$n" -gt 200 ] && [ -z "$viol" ] && ok || bad "includes upward across layers ($n checked):$viol"

# the symbols of libjorgetk.a, by member; a member's layer from the source
# file of its name (members are named NAME.c.o / NAME.cu.o)
lib=$(dirname "$JORGE")/libjorgetk.a
[ -f "$lib" ] || { bad "$lib not built"; finish test_layers; exit 1; }
declare -A layer_of
for f in $(git ls-files --cached --others --exclude-standard 'src/*.c' 'cuda/*.c' 'cuda/*.cu' 'reference/*.c' 'approx/*.c' 'experiments/*.c'); do
    b=$(basename "$f").o
    r=$(rank "$f")
    # a name in two layers (e.g. csv.c: src/ in the library, experiments/
    # in the command) is judged by the lower, stricter one
    if [ -z "${layer_of[$b]:-}" ] || [ "$r" -lt "${layer_of[$b]}" ]; then layer_of[$b]=$r; fi
done
nm -A "$lib" 2>/dev/null | sed 's/^[^:]*:\([^:]*\):/\1 /' >"$TMP/nm.txt"
[ -s "$TMP/nm.txt" ] && ok || bad "nm $lib printed nothing"
exp_defs=$TMP/exp_defs
num_undef=$TMP/num_undef
: >"$exp_defs"
: >"$num_undef"
nnum=0
nexp=0
for m in $(cut -d' ' -f1 "$TMP/nm.txt" | sort -u); do
    r=${layer_of[$m]:-}
    if [ "$r" = "" ]; then bad "archive member $m: no source file of that name"; continue; fi
    if [ "$r" -ge 3 ]; then
        nexp=$((nexp + 1))
        awk -v m="$m" '$1 == m && NF == 4 && $3 ~ /^[TDBRC]$/ { print $4 }' "$TMP/nm.txt" >>"$exp_defs"
    else
        nnum=$((nnum + 1))
        awk -v m="$m" '$1 == m && $2 == "U" { print m " " $3 }' "$TMP/nm.txt" >>"$num_undef"
    fi
done
[ $nnum -ge 15 ] && [ $nexp -ge 5 ] && ok || bad "members: $nnum numerical, $nexp experiments (too few: is the archive complete?)"
up=$(awk 'NR == FNR { d[$1] = 1; next } ($2 in d) { print $1 ":" $2 }' "$exp_defs" "$num_undef" | sort -u | head -10)
[ -z "$up" ] && ok || bad "numerical objects need experiments symbols: $up"
echo "test_layers: $n includes, $nnum numerical and $nexp experiments objects checked"
finish test_layers
