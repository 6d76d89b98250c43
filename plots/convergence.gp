# plots/convergence.gp - test accuracy against epochs and against
# wall-clock training time: per variant the mean over seeds (line) and
# mean +- one sample standard deviation (band), from the per-evaluation
# means of experiments/convergence.sh (DIR/curves/VARIANT.csv: epochs,
# acc_mean, acc_std, acc_lo, acc_hi, wall_mean, wall_std, val_mean, n).
# Columns are read by name.
#
#   gnuplot -e "dir='DIR'; variants='sgd adamw shampoo jorge'; labels='sgd --lr ...;...'; \
#               target=0.9; setup='cnn, quick set: ...'; out='DIR/convergence'" plots/convergence.gp
#
# what='ablations' changes the title.  Writes OUT.png (pngcairo) and
# OUT.pdf (pdfcairo).  The right panel's x is the mean wall-clock time over
# seeds at each evaluation (its spread is in the table, wall_std).
if (!exists("dir")) dir = "build/experiments/convergence"
if (!exists("variants")) variants = "sgd adamw shampoo jorge"
if (!exists("labels")) labels = ""
if (!exists("target")) target = 0
if (!exists("setup")) setup = ""
if (!exists("out")) out = dir."/convergence"
if (!exists("what")) what = "optimizers"

set datafile separator ","
set datafile commentschars "#"
set datafile columnheaders

file(v) = sprintf("%s/curves/%s.csv", dir, v)
label_of(i) = (labels eq "") ? word(variants, i) : \
    system(sprintf("printf '%%s' '%s' | cut -d';' -f%d", labels, i))
color(i) = word("#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666 #1f78b4 #b15928 #fb9a99 #000000 #33a02c #cab2d6 #ff7f00 #6a3d9a", i)
dash(i) = (i <= 4) ? 1 : 2
# the y range: from just below the lowest band edge of any evaluation (no
# point is clipped) to the top
stats_lo = 1.0
do for [i = 1:words(variants)] {
    stats file(word(variants, i)) using (column("acc_lo")) nooutput
    if (STATS_min < stats_lo) { stats_lo = STATS_min }
}
ylo = floor(stats_lo * 50) / 50.0

set grid
set key bottom right font ",8" opaque box
set style fill transparent solid 0.18 noborder

do for [t in "png pdf"] {
    if (t eq "png") { set terminal pngcairo size 1500,620 font ",10"; set output out.".png" }
    if (t eq "pdf") { set terminal pdfcairo size 12in,5in font ",9"; set output out.".pdf" }
    set multiplot layout 1,2 title sprintf("Fashion-MNIST, %s: test accuracy, mean over seeds with a +-1 std band%s\n{/*0.8 %s}", what, target > 0 ? sprintf(" (dotted: target %g)", target) : "", setup) font ",11"
    set yrange [ylo:*]
    set xlabel "epoch"
    set ylabel "test accuracy (fraction)"
    if (target > 0) { set arrow 1 from graph 0, first target to graph 1, first target nohead dt 3 lc "black" }
    plot for [i = 1:words(variants)] file(word(variants, i)) \
             using (column("epochs")):(column("acc_lo")):(column("acc_hi")) with filledcurves \
             lc rgb color(i) notitle, \
         for [i = 1:words(variants)] file(word(variants, i)) \
             using (column("epochs")):(column("acc_mean")) with linespoints lw 2 dt dash(i) pt 7 ps 0.6 \
             lc rgb color(i) title label_of(i) noenhanced
    set xlabel "wall-clock training time (s, mean over seeds; evaluation excluded)"
    set xrange [0:*]
    plot for [i = 1:words(variants)] file(word(variants, i)) \
             using (column("wall_mean")):(column("acc_lo")):(column("acc_hi")) with filledcurves \
             lc rgb color(i) notitle, \
         for [i = 1:words(variants)] file(word(variants, i)) \
             using (column("wall_mean")):(column("acc_mean")) with linespoints lw 2 dt dash(i) pt 7 ps 0.6 \
             lc rgb color(i) title word(variants, i) noenhanced
    set autoscale x
    unset arrow 1
    unset multiplot
    unset output
}
