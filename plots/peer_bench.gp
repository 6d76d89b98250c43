# peer_bench.gp - our time over the peer's (NumPy from PyPI) per computation,
# from experiments/peer_bench.py's CSV (columns by name).
# Call:  gnuplot -e "data='results/quick/data/peer_bench.csv'; out='results/quick/figures/peer_bench'" plots/peer_bench.gp
# Writes OUT.{png,pdf}: ours_s / peer_s against n, one panel per precision,
# one line per computation; below 1 we are faster.  The title names both
# sides' kernels (from the CSV's '#' lines).
load "plots/common.gp"
@usage_check
need = "precision n op ratio peer"
@check_columns
set format y "%g"
array ops[5] = ["gemm", "jorge_dense", "jorge_lowrank", "eig", "newton"]
array lab[5] = ["one GEMM n×n×n", "Jorge step, dense, k = 2", "Jorge step, low-rank, k = 2, n×n/8", \
                "exact root: eig", "exact root: coupled Newton (same iterations)"]
ours_k = system(sprintf("sed -n 's/^# ours: cpu: \\(.*kernel [A-Za-z0-9]*\\).*/\\1/p' '%s' | head -n 1", data))
peer_k = system(sprintf("sed -n 's/^# peer numpy: .*\"kernel\": \"\\([^\"]*\\)\".*\"numpy\": \"\\([^\"]*\\)\".*\"version\": \"\\([^\"]*\\)\".*/NumPy \\2, OpenBLAS \\3, kernel \\1/p' '%s' | head -n 1", data))
cpu = system(sprintf("sed -n 's/^# cpu model: \\(.*\\) (family.*/\\1/p' '%s' | head -n 1", data))
rounds = system(sprintf("sed -n 's/^# experiment: peer_bench (.*; \\([0-9]*\\) rounds.*/\\1/p' '%s' | head -n 1", data))
precs = system(sprintf("awk -F, '!/^#/ && $1 != \"precision\" { print $1 }' '%s' | sort -u | tr '\\n' ' '", data))
do for [fmt in "png pdf"] {
  if (fmt eq "png") { @out_png_wide } else { @out_pdf_wide }
  set multiplot layout 1,words(precs) title sprintf("our time ÷ the peer's, same run, %s round(s) alternating, medians (below 1: we are faster; one round on a busy machine is noisy)\nours: %s   peer: %s   CPU: %s", rounds, ours_k, peer_k, cpu)
  set logscale x 2
  set logscale y 2
  set xlabel "matrix size n"
  set ylabel "ours ÷ peer (median time)"
  set key top right
  do for [pi = 1:words(precs)] {
    p = word(precs, pi)
    set title (p eq "f32" ? "float32" : "float64")
    plot for [i = 1:5] where(data, eq("precision", p)." && ".eq("op", ops[i])) using (col("n")):(col("ratio")) \
         with linespoints ls i title lab[i], \
         1 with lines lc rgb "#000000" dt 2 lw 1 title "parity"
  }
  unset multiplot
  set output
}
