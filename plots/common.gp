# common.gp - shared by every figure script (loaded first).
# Call:  gnuplot -e "data='results/data/x.csv'; out='results/figures/figN'" plots/figN.gp
# Columns are read by NAME from the tidy CSV header; '#' lines are provenance.
set datafile separator ","
set datafile commentschars "#"
set datafile missing "nan"
# col(name): the column called `name` in the header row
col(name) = column(name)
# sel(cond, v): v where the row matches, NaN (skipped) elsewhere
sel(c, v) = c ? v : NaN
set grid lc rgb "#dddddd"
set key box opaque samplen 2 spacing 1.1 font ",9"
set style line 1 lc rgb "#1b9e77" lw 2 pt 7 ps 0.5
set style line 2 lc rgb "#d95f02" lw 2 pt 5 ps 0.5
set style line 3 lc rgb "#7570b3" lw 2 pt 9 ps 0.5
set style line 4 lc rgb "#e7298a" lw 2 pt 11 ps 0.5
set style line 5 lc rgb "#66a61e" lw 2 pt 13 ps 0.5
set style line 6 lc rgb "#e6ab02" lw 2 pt 3 ps 0.5
set style line 7 lc rgb "#a6761d" lw 2 pt 1 ps 0.5
set style line 8 lc rgb "#666666" lw 2 pt 2 ps 0.5
set format y "10^{%L}"
# out_term(fmt): switch to PNG or PDF output named out.fmt
out_png = "set term pngcairo size 1400,1000 font ',11' enhanced; set output out.'.png'"
out_pdf = "set term pdfcairo size 14in,10in font ',11' enhanced; set output out.'.pdf'"
out_png_wide = "set term pngcairo size 2000,1150 font ',11' enhanced; set output out.'.png'"
out_pdf_wide = "set term pdfcairo size 20in,11.5in font ',11' enhanced; set output out.'.pdf'"
# check_columns: before any output is opened, every column named in `need`
# must be in the CSV's header row; otherwise a one-line message naming the
# file and the column, and exit status 2 (no image is written)
check_columns = 'hdr_ = ",".system("sed -n \"/^[^#]/{s/\\r$//;p;q}\" \"".data."\"").","; \
  do for [c_ in need] { if (strstrt(hdr_, ",".c_.",") == 0) { print sprintf("%s: %s: no column \"%s\" (a CSV with the columns of the matching jorge command is needed)", ARG0, data, c_); exit status 2 } }'
# rows(file, key, value): the CSV's header and its rows whose column `key`
# equals `value` (through awk), so that lines connect although the rows of
# several sides or runs interleave; use as  plot rows(data, "side", "left") using ...
rows(f, k, v) = sprintf("< awk -F, -v k='%s' -v v='%s' '/^#/ { next } !h { for (i = 1; i <= NF; i++) if ($i == k) c = i; print; h = 1; next } $c == v' '%s'", k, v, f)
# Zeros on a log axis: lifted(v, f) is v, or the floor f for a finite v <= f
# (zero included); at_floor(v, f) is f only for those values (NaN otherwise),
# to draw them with a floor marker:
#   plot ... using 1:(lifted(col("err"), fl)) with lines, \
#        ... using 1:(at_floor(col("err"), fl)) with points pt 10 title "≤ floor"
lifted(v, f) = (v == v) ? (v > f ? v : f) : NaN
at_floor(v, f) = (v == v && v <= f) ? f : NaN
# param(key): the value of key=value on the CSV's "# params:" line ("" if absent)
param(k) = system(sprintf("sed -n 's/^# params:.* %s=\\([^ ]*\\).*/\\1/p' '%s' | head -n 1", k, data))
# usage(name): the message and exit status 2 when data/out are missing
usage_check = 'if (!exists("data") || !exists("out")) { print sprintf("%s: call with -e \"data=''file.csv''; out=''figure''\"", ARG0); exit status 2 }'
# first_of(c, k, v): the first value of column c in the rows of `data` whose
# column k equals v ("" if none), e.g. first_of("eps", "regime", "paper")
first_of(c, k, v) = system(sprintf("awk -F, -v c='%s' -v k='%s' -v v='%s' '/^#/ { next } !h { for (i = 1; i <= NF; i++) { if ($i == c) ci = i; if ($i == k) ki = i }; h = 1; next } $ki == v { print $ci; exit }' '%s'", c, k, v, data))
# The firing regimes of experiments 3-7 (experiments/common.h): names and the
# eps that defines each (relative to s = ||G_1||_F^2 / dim)
regimes = "paper always sometimes rarely"
regime_eps(r) = r eq "always" ? "0.01·s" : (r eq "sometimes" ? "0.1·s" : (r eq "rarely" ? "1·s" : ""))
pct(v) = (v == v && v >= 0) ? sprintf("%.0f%%", 100 * v) : "n/a"
# last_of(cond, c): column c of the last row of `data` matching the awk
# condition cond (written with eq(k, v) / eqn(k, v) joined by " && "), as a
# number; -1 when no row matches.  Rows of one run are in step order, so
# this is the run's final value (e.g. its firing fraction).
eq(k, v) = sprintf("$C[\"%s\"] == \"%s\"", k, v)
eqn(k, v) = sprintf("($C[\"%s\"] - %.17g)^2 < 1e-20", k, v)
last_of(cond, c) = real(system(sprintf("awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) C[$i] = i; h = 1; next } %s { v = $C[\"%s\"] } END { print (v == \"\" ? -1 : v) }' '%s'", cond, c, data)))
# minpos(c): the smallest positive finite value of column c in `data` (1 if
# none); floor_below(c): a power of ten under it, where zeros are drawn
minpos(c) = real(system(sprintf("awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) if ($i == \"%s\") k = i; h = 1; next } ($k + 0) > 0 && $k != \"inf\" && (m == \"\" || $k + 0 < m) { m = $k + 0 } END { print (m == \"\" ? 1 : m) }' '%s'", c, data)))
floor_below(c) = 10**floor(log10(minpos(c)) - 0.3)
# where(f, cond): the CSV's header and the rows matching the awk condition
# cond (columns by name, as in last_of: eq(k, v), eqn(k, v)), so that lines
# connect over the rows filtered out
where(f, cond) = sprintf("< awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) C[$i] = i; print; h = 1; next } %s' '%s'", cond, f)
# minmax(cond, c): "min max" of column c over the rows matching cond ("1 1"
# when none); a log axis over one value needs a range set by hand
minmax(cond, c) = system(sprintf("awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) C[$i] = i; h = 1; next } %s && ($C[\"%s\"] + 0) > 0 { v = $C[\"%s\"] + 0; if (n++ == 0 || v < lo) lo = v; if (n == 1 || v > hi) hi = v } END { if (n) printf \"%%.17g %%.17g\", lo, hi; else print \"1 1\" }' '%s'", cond, c, c, data))
