# test_plots.sh JORGE TMPDIR - the gnuplot scripts on a user's own runs: from
# any directory, on a CSV named on the command line; a CSV without the
# needed columns is a one-line message and exit 2, never a blank image.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
PLOTS=$(cd "$(dirname "$0")/../plots" && pwd)
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }

"$JORGE" gen stream --m 12 --cols 6 --steps 30 --out "$TMP/s.npy" >/dev/null || bad "gen"
"$JORGE" track --every 3 --out "$TMP/track.csv" "$TMP/s.npy" >/dev/null || bad "track"
"$JORGE" validate --no-suggest --csv "$TMP/val.csv" "$TMP/s.npy" >/dev/null
"$JORGE" experiment regime --quick --steps 12 --dim 8 --out "$TMP/regime.csv" >/dev/null 2>&1 || bad "experiment regime"

# from another directory (/), scripts found by their own path
png_ok() { [ -s "$1.png" ] && [ -s "$1.pdf" ] && [ "$(head -c 4 "$1.png" | od -An -c | tr -d ' ')" = "211PNG" ]; }
(cd / && gnuplot -e "data='$TMP/track.csv'; out='$TMP/t'" "$PLOTS/track.gp") 2>"$TMP/err.txt" && png_ok "$TMP/t" && ok ||
    bad "track.gp on a track CSV: $(cat "$TMP/err.txt")"
(cd / && gnuplot -e "data='$TMP/val.csv'; out='$TMP/v'" "$PLOTS/track.gp") 2>"$TMP/err.txt" && png_ok "$TMP/v" && ok ||
    bad "track.gp on validate --csv rows: $(cat "$TMP/err.txt")"
(cd / && gnuplot -e "data='$TMP/regime.csv'; out='$TMP/r'" "$PLOTS/fig9_regime.gp") 2>"$TMP/err.txt" && png_ok "$TMP/r" && ok ||
    bad "fig9_regime.gp: $(cat "$TMP/err.txt")"
# the wrong CSV: exit 2, one line naming the file and the column, no image
for pair in "track.gp:regime.csv" "fig9_regime.gp:track.csv"; do
    gp=${pair%%:*}; csv=${pair#*:}
    rm -f "$TMP/w.png" "$TMP/w.pdf"
    (cd / && gnuplot -e "data='$TMP/$csv'; out='$TMP/w'" "$PLOTS/$gp") 2>"$TMP/err.txt"
    rc=$?
    [ $rc = 2 ] && [ ! -e "$TMP/w.png" ] && [ "$(wc -l <"$TMP/err.txt")" = 1 ] &&
        grep -q "$csv: no column" "$TMP/err.txt" && ok || bad "$gp on $csv: exit $rc: $(cat "$TMP/err.txt")"
done
# figures 1-7 and 10 (experiments/Makefile) on small runs of their experiments,
# from another directory; each refuses the CSV of another figure
T=$TMP/exps
mkdir -p "$T"
for e in truncation commutator error-time safeguard stability direction stability-map; do
    "$JORGE" experiment $e --quick --steps 12 --dim 8 --out "$T/$e.csv" >/dev/null 2>&1 || bad "experiment $e"
done
"$(dirname "$0")/../experiments/track.sh" --steps 12 --jorge "$JORGE" --out "$T/track.csv" >/dev/null 2>&1 || bad "track.sh"
for pair in fig1_truncation:truncation fig2_commutator:commutator fig3_error_time:error-time \
            fig4_safeguard:safeguard fig5_stability:stability fig6_direction:direction fig7_track:track \
            fig10_stability_map:stability-map; do
    gp=${pair%%:*}; csv=${pair#*:}
    (cd / && gnuplot -e "data='$T/$csv.csv'; out='$T/$gp'" "$PLOTS/$gp.gp") 2>"$TMP/err.txt" && png_ok "$T/$gp" &&
        ! grep -q . "$TMP/err.txt" && ok || bad "$gp.gp on $csv.csv: $(cat "$TMP/err.txt")"
    # the wrong CSV (the regime map's): exit 2, one line naming the file, no image
    rm -f "$TMP/w.png" "$TMP/w.pdf"
    (cd / && gnuplot -e "data='$TMP/regime.csv'; out='$TMP/w'" "$PLOTS/$gp.gp") 2>"$TMP/err.txt"
    rc=$?
    [ $rc = 2 ] && [ ! -e "$TMP/w.png" ] && [ "$(wc -l <"$TMP/err.txt")" = 1 ] &&
        grep -q "regime.csv: no column" "$TMP/err.txt" && ok || bad "$gp on regime.csv: exit $rc: $(cat "$TMP/err.txt")"
done
# no data/out: a usage line and exit 2
(cd / && gnuplot "$PLOTS/fig3_error_time.gp") 2>"$TMP/err.txt"
rc=$?
[ $rc = 2 ] && grep -q "call with" "$TMP/err.txt" && ok || bad "fig3 without data: exit $rc: $(cat "$TMP/err.txt")"
finish test_plots
