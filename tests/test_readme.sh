#!/usr/bin/env bash
# test_readme.sh JORGE TMP - the top-level README stays a README: at most
# 300 lines, every relative link points at a file of the tree, and its
# "Measured on this machine" block is exactly what
# experiments/readme_tables.py writes from the committed measurements
# (paper/measured/machine/), so no speed number in it is typed by hand.
JORGE=$1 TMP=$2
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
n=$(wc -l <"$SRC/README.md")
[ "$n" -le 300 ] && ok || bad "README.md has $n lines (at most 300)"
while read -r link; do
    f=${link%%#*}
    [ -z "$f" ] && continue
    [ -e "$SRC/$f" ] && ok || bad "README.md links to a missing file: $f"
done < <(grep -o '](\([^)h#][^)]*\))' "$SRC/README.md" | sed 's/^](//; s/)$//')
for f in bench.csv peer_bench.csv info.txt; do
    [ -s "$SRC/paper/measured/machine/$f" ] && ok || bad "paper/measured/machine/$f missing"
done
out=$("$PY" "$SRC/experiments/readme_tables.py" --dir "$SRC/paper/measured/machine" --readme "$SRC/README.md" --check 2>&1) &&
    ok || bad "$out"
# the check can fail: a changed number in a copy of the README is found
cp "$SRC/README.md" "$TMP/R.md"
sed -i '/measured:begin/,/measured:end/ s/| f32 | 1024 | \([0-9]*\) |/| f32 | 1024 | 1\1 |/' "$TMP/R.md"
if cmp -s "$SRC/README.md" "$TMP/R.md"; then bad "could not alter the copy (no f32 1024 row?)"
else "$PY" "$SRC/experiments/readme_tables.py" --dir "$SRC/paper/measured/machine" --readme "$TMP/R.md" --check \
        >/dev/null 2>&1 && bad "--check missed an altered number" || ok
fi
finish test_readme
