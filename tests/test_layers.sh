#!/usr/bin/env bash
# test_layers.sh JORGE TMPDIR - the build's layers, checked rather than
# promised.  Two libraries: the numerical one, libjorgetk (the core
# src/core/ with the CPU backend, the CUDA backend cuda/, the exact roots
# reference/, the approximations approx/), and on it the experiments
# library, libjorgetk_experiments (experiments/: validate, compare, bench,
# training; src/capi/: the C ABI of the Python package); the umbrella
# header and the Python package on both, the command (src/cli/) on
# everything.  Four checks:
#   1. includes: a file includes only headers of its own layer or below
#      (core and cuda < reference < approx < experiments < capi < cli);
#   2. archives: every member of libjorgetk.a is numerical, every member of
#      libjorgetk_experiments.a is not;
#   3. symbols: no member of libjorgetk.a needs a symbol that only the
#      experiments library defines, so the numerical library links alone
#      (its shared library is also linked with --no-undefined);
#   4. no circle: the graph "file A calls a function defined in file B",
#      read from both archives (nm), has no cycle (tsort), so that every
#      file can be read after the files it uses.
# A check that finds fewer files than the tree holds fails, so that it
# cannot pass by reading nothing.
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
files() { git ls-files --cached --others --exclude-standard "$@"; }

# ---------------------------------------------------------------- 1. includes
viol=""
n=0
for f in $(files 'src/*.[ch]' 'cuda/*.[ch]' 'cuda/*.cu' 'reference/*.[ch]' 'approx/*.[ch]' 'experiments/*.[ch]'); do
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

# ---------------------------------------------------------------- 2. archives
dir=$(dirname "$JORGE")
num=$dir/libjorgetk.a
exp=$dir/libjorgetk_experiments.a
for lib in "$num" "$exp"; do
    [ -f "$lib" ] || { bad "$lib not built"; finish test_layers; exit 1; }
done
# a member's layer from the source file of its name (members are NAME.c.o / NAME.cu.o)
declare -A layer_of
for f in $(files 'src/*.c' 'cuda/*.c' 'cuda/*.cu' 'reference/*.c' 'approx/*.c' 'experiments/*.c'); do
    b=$(basename "$f").o
    r=$(rank "$f")
    # a name in two layers (csv.c: src/core/ in the library, experiments/
    # in the command) is judged by the lower, stricter one
    if [ -z "${layer_of[$b]:-}" ] || [ "$r" -lt "${layer_of[$b]}" ]; then layer_of[$b]=$r; fi
done
nm -A "$num" 2>/dev/null | sed 's/^[^:]*:\([^:]*\):/\1 /' >"$TMP/nm_num.txt"
nm -A "$exp" 2>/dev/null | sed 's/^[^:]*:\([^:]*\):/\1 /' >"$TMP/nm_exp.txt"
[ -s "$TMP/nm_num.txt" ] && [ -s "$TMP/nm_exp.txt" ] && ok || bad "nm printed nothing for the archives"
nnum=0
nexp=0
for m in $(cut -d' ' -f1 "$TMP/nm_num.txt" | sort -u); do
    r=${layer_of[$m]:-}
    nnum=$((nnum + 1))
    [ -n "$r" ] && [ "$r" -le 2 ] || bad "libjorgetk.a member $m is not numerical (layer ${r:-unknown})"
done
for m in $(cut -d' ' -f1 "$TMP/nm_exp.txt" | sort -u); do
    r=${layer_of[$m]:-}
    nexp=$((nexp + 1))
    [ -n "$r" ] && [ "$r" -ge 3 ] || bad "libjorgetk_experiments.a member $m is numerical or unknown (layer ${r:-unknown})"
done
[ $nnum -ge 25 ] && [ $nexp -ge 10 ] && ok || bad "members: $nnum numerical, $nexp experiments (too few: are the archives complete?)"

# ---------------------------------------------------------------- 3. symbols
defined() { awk 'NF == 4 && $3 ~ /^[TDBRCVW]$/ { print $1 " " $4 }' "$@"; }
undefined() { awk '$2 == "U" { print $1 " " $3 }' "$@"; }
defined "$TMP/nm_num.txt" >"$TMP/def_num.txt"
defined "$TMP/nm_exp.txt" >"$TMP/def_exp.txt"
up=$(undefined "$TMP/nm_num.txt" |
    awk 'FILENAME == ARGV[1] { n[$2] = 1; next } FILENAME == ARGV[2] { e[$2] = 1; next } ($2 in e) && !($2 in n) { print $1 ":" $2 }' \
        "$TMP/def_num.txt" "$TMP/def_exp.txt" - | sort -u | head -10)
[ -z "$up" ] && ok || bad "numerical objects need experiments symbols: $up"

# ---------------------------------------------------------------- 4. no circle
# edges "B A" (A uses B: tsort then orders B first); a member's own symbols are no edge
cat "$TMP/def_num.txt" "$TMP/def_exp.txt" >"$TMP/def_all.txt"
undefined "$TMP/nm_num.txt" "$TMP/nm_exp.txt" |
    awk 'FILENAME == ARGV[1] { d[$2] = $1; next } ($2 in d) && d[$2] != $1 { print d[$2] " " $1 }' "$TMP/def_all.txt" - |
    sort -u >"$TMP/edges.txt"
ne=$(wc -l <"$TMP/edges.txt")
tsort "$TMP/edges.txt" >"$TMP/order.txt" 2>"$TMP/tsort.err"
[ "$ne" -ge 100 ] && [ ! -s "$TMP/tsort.err" ] && ok ||
    bad "file-level circle ($ne edges): $(grep -v 'input contains a loop' "$TMP/tsort.err" | sed 's/^tsort: //' | tr '\n' ' ' | head -c 400)"
echo "test_layers: $n includes, $nnum numerical and $nexp experiments objects, $ne file-level uses checked"
finish test_layers
