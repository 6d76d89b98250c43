# experiments/pool.sh - a bounded pool of background jobs for the training
# scripts (convergence.sh, tune.sh); sourced, not run.
#
#   pool_init N      at most N jobs at once (N >= 1; 1 runs each job in the
#                    foreground order, one after another)
#   pool_run CMD...  starts CMD in the background once a slot is free
#   pool_wait        waits for every job; returns 1 if any failed
#
# A failed job does not stop the others; pool_wait reports it.  INT, TERM
# or HUP stops the running jobs and their children (a training run removes
# its unfinished output itself) before the script exits with 128+signal;
# pool_on_stop CMD registers what else to clean (temporary files).  The jobs of
# one pool run in the order given.  Each job is one single-threaded training
# run here, so N = the number of cores keeps them from competing for one.
pool_init() {
    case $1 in ''|*[!0-9]*|0) echo "pool: --jobs wants a positive integer, not '$1'" >&2; return 2 ;; esac
    _pool_max=$1
    _pool_failed=0
    _pool_pids=()
    _pool_clean=:
    trap '_pool_stop 130' INT
    trap '_pool_stop 143' TERM
    trap '_pool_stop 129' HUP
}
pool_on_stop() { _pool_clean=$1; }
# a job and everything under it, the leaves first (a training run inside a
# function inside a script: each dies before the one that would wait for it)
_pool_kill_tree() {
    local c
    for c in $(pgrep -P "$1" 2>/dev/null); do _pool_kill_tree "$c"; done
    kill -TERM "$1" 2>/dev/null || true
}
_pool_stop() {
    trap - INT TERM HUP
    local p
    for p in "${_pool_pids[@]}"; do _pool_kill_tree "$p"; done
    wait 2>/dev/null || true
    eval "$_pool_clean"
    exit "$1"
}
pool_run() {
    while [ "$(jobs -rp | wc -l)" -ge "$_pool_max" ]; do
        wait -n || _pool_failed=1
    done
    "$@" &
    _pool_pids+=($!)
}
pool_wait() {
    local p
    for p in "${_pool_pids[@]}"; do wait "$p" || _pool_failed=1; done
    _pool_pids=()
    return $_pool_failed
}
