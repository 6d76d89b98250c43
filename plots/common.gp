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
