# plots/convergence.gp - test accuracy against epoch and against wall-clock
# training time, one line per run (optimizer x seed), from the CSVs of
# experiments/convergence.sh.  Columns are read by name (the header row
# after the '#' provenance lines).
#
#   gnuplot -e "dir='DIR'; opts='sgd adamw shampoo jorge'; seeds='1 2 3'; \
#               labels='sgd --lr 0.05;adamw ...'; target=0.8" plots/convergence.gp
#
# Writes DIR/convergence.png (pngcairo) and DIR/convergence.pdf (pdfcairo).
if (!exists("dir")) dir = "build/experiments/convergence"
if (!exists("opts")) opts = "sgd adamw shampoo jorge"
if (!exists("seeds")) seeds = "1 2 3"
if (!exists("labels")) labels = ""
if (!exists("target")) target = 0

set datafile separator ","
set datafile commentschars "#"
set datafile columnheaders

file(o, s) = sprintf("%s/runs/%s_s%s.csv", dir, o, s)
# legend: the optimizer and its parameters (the i-th ';'-separated label)
label_of(i) = (labels eq "") ? word(opts, i) : \
    system(sprintf("printf '%%s' '%s' | cut -d';' -f%d", labels, i))
color(i) = word("#1b9e77 #d95f02 #7570b3 #e7298a #66a61e", i)

set style line 1 lw 1.5
set grid
set key bottom right font ",8"

do for [t in "png pdf"] {
    if (t eq "png") { set terminal pngcairo size 1400,560 font ",10"; set output dir."/convergence.png" }
    if (t eq "pdf") { set terminal pdfcairo size 11in,4.4in font ",9"; set output dir."/convergence.pdf" }
    set multiplot layout 1,2 title "Fashion-MNIST MLP 784-256-128-10: test accuracy (".words(seeds)." seeds per optimizer)"

    set xlabel "epoch"
    set ylabel "test accuracy (fraction)"
    if (target > 0) { set arrow 1 from graph 0, first target to graph 1, first target nohead dt 2 lc "gray" }
    plot for [i = 1:words(opts)] for [s = 1:words(seeds)] file(word(opts, i), word(seeds, s)) \
         using (column("epoch")):(column("test_acc")) with linespoints lw 1.5 pt 7 ps 0.5 \
         lc rgb color(i) title (s == 1 ? label_of(i) : "")

    set xlabel "wall-clock training time (s)"
    set logscale x
    plot for [i = 1:words(opts)] for [s = 1:words(seeds)] file(word(opts, i), word(seeds, s)) \
         using (column("wall_s")):(column("test_acc")) with linespoints lw 1.5 pt 7 ps 0.5 \
         lc rgb color(i) title (s == 1 ? label_of(i) : "")
    unset logscale x
    unset arrow 1
    unset multiplot
    unset output
}
