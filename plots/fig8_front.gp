# Figure 8: the error-cost front of the approximations of L^{-1/4}
# (`jorge compare`, experiments/Makefile): median relative error against the
# exact root of Shampoo's nominal statistic vs GEMM-equivalents per step, one
# curve per method over its budget (order, every F, iterations, degree), the
# front (no other setting is both cheaper and more accurate) in grey.
# Call: gnuplot -e "dir='results/quick/data'; out='.../fig8_front'; setup='...'" plots/fig8_front.gp
# Draws out.png/.pdf with the counted cost (flops / 2 n^3) and
# out_time.png/.pdf with the timed cost (update time / GEMM time, same run;
# for the emulated TF32 / bf16 panels both times include the rounding).
load 'plots/common.gp'
if (!exists("setup")) setup = ""
array meth[5] = ["jorge", "eig-every", "newton-warm", "newton-schulz", "chebyshev"]
array lab[5] = ["jorge (order k)", "eig-every (every F)", "newton-warm (iterations K)", "newton-schulz (iterations K)", "chebyshev (degree d)"]
array files[8] = ["front_power", "front_drift", "front_heavy", "front_rankdef", "front_real", "front_powerabs", \
                  "front_precision", "front_precision"]
array names[8] = ["(a) power-law spectrum", "(b) drifting (rotating) subspace", "(c) heavy-tailed (Student-t, nu = 3)", \
                  "(d) rank-deficient", "(e) Fashion-MNIST MLP gradients (128 x 256)", "(f) power-law, eps = 1e-6 absolute", \
                  "(g) power-law, TF32 GEMM inputs", "(h) power-law, bf16 GEMM inputs"]
array prec[8] = ["f64", "f64", "f64", "f64", "f64", "f64", "tf32", "bf16"]
# every file must carry the columns of `jorge compare`
need = "method side precision gemm_equiv_per_step time_gemm_equiv_per_step err_nominal_median on_front on_front_time"
do for [p=1:8] { data = dir."/".files[p].".csv"; eval check_columns }
do for [timed=0:1] {
  xc = timed ? "time_gemm_equiv_per_step" : "gemm_equiv_per_step"
  fc = timed ? "on_front_time" : "on_front"
  base = timed ? out."_time" : out
  do for [fmt in "png pdf"] {
    if (fmt eq "png") { set term pngcairo size 2200,1100 font ',11' enhanced; set output base.'.png' } \
    else { set term pdfcairo size 22in,11in font ',11' enhanced; set output base.'.pdf' }
    set multiplot layout 2,4 margins 0.04,0.99,0.10,0.90 spacing 0.05,0.10 title sprintf("Experiment 8: error-cost front of the approximations of L^{-1/4} (left side; %s)\nx: %s; y: median over steps of ||root - L_t^{-1/4}||_F / ||L_t^{-1/4}||_F (exact root of the nominal statistic, double)", \
        setup, timed ? "timed GEMM-equivalents per step (update time / time of one n^3 GEMM, same run)" : "counted GEMM-equivalents per step (flops of every backend call / 2n^3; syevd counted as 9n^3)") font ",12"
    set logscale xy
    set format x "10^{%L}"
    set xlabel timed ? "timed GEMM-equivalents per step" : "counted GEMM-equivalents per step"
    set ylabel "median relative error vs exact root"
    set yrange [*:1e2]
    do for [p=1:8] {
      f = dir."/".files[p].".csv"
      set title (timed && p >= 7) ? names[p]." (emulated, timed)" : names[p]
      unset key
      plot f using (sel(strcol("side") eq "left" && strcol("precision") eq prec[p] && col(fc) == 1, col(xc))):(col("err_nominal_median")) \
             smooth unique with lines lc rgb "#bbbbbb" lw 9 title "front", \
           for [i=1:5] f using (col(xc)):(sel(strcol("method") eq meth[i] && strcol("side") eq "left" && strcol("precision") eq prec[p], col("err_nominal_median"))) \
             with linespoints ls i ps 0.9 title lab[i]
    }
    # one legend for all panels, in a strip below them (over no data)
    set origin 0.0, 0.0
    set size 1.0, 0.05
    set lmargin 0; set rmargin 0; set tmargin 0; set bmargin 0
    unset logscale; unset title; unset xlabel; unset ylabel; unset border; unset tics; unset grid
    set xrange [0:1]; set yrange [0:1]
    set key center center horizontal maxrows 1 box font ",11"
    plot 2 with lines lc rgb "#bbbbbb" lw 9 title "front (no setting both cheaper and more accurate)", \
         for [i=1:5] 2 with linespoints ls i ps 0.9 title lab[i]
    unset multiplot
    set output
    set border; set tics; set grid; set size 1,1; set origin 0,0; set autoscale
    set lmargin -1; set rmargin -1; set tmargin -1; set bmargin -1
  }
}
