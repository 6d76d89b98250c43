# setup.sh - shared by ./run.sh and ./test.sh (sourced, not run): installs
# the Debian packages the toolkit needs when they are missing, then
# configures and builds into build/.  Idempotent.

JG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JG_PACKAGES="cmake gcc make pkg-config libopenblas-dev liblapacke-dev zlib1g-dev gnuplot-nox \
dataset-fashion-mnist fortunes python3-numpy python3-scipy python3-venv clang libclang-rt-14-dev \
libopenmpi-dev openmpi-bin"

# Installed by ./test.sh only: PyTorch (Debian 12: 1.13), for the test of
# the Python package's capture hook jorge.torch_capture and the optimizers
# jorge.torch (about 80 MB to download; the tests skip those parts, saying
# so, where torch is missing); python3-venv for test_pip_install (slow).
JG_TEST_PACKAGES="python3-torch python3-venv"

# TeX Live for the report (paper/), installed only when the report is built
# (./run.sh --report|--full): pdflatex, the LaTeX packages report.tex uses
# (graphicx, booktabs, pdflscape, geometry, caption, hyperref), their fonts,
# latexmk.
JG_REPORT_PACKAGES="texlive-latex-base texlive-latex-recommended texlive-fonts-recommended latexmk"

jg_log() { printf '[jorge] %s\n' "$*" >&2; }

jg_install_packages() {
    local missing=() p
    for p in $JG_PACKAGES "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        jg_log "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
        return 1
    fi
    jg_log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# jg_build DIR [cmake options...]: configure (once) and build.
jg_build() {
    local dir=$1; shift
    cmake -S "$JG_ROOT" -B "$JG_ROOT/$dir" -DCMAKE_BUILD_TYPE=Release "$@" >"$JG_ROOT/$dir.configure.log" 2>&1 ||
        { cat "$JG_ROOT/$dir.configure.log" >&2; jg_log "configure failed ($dir)"; return 1; }
    grep -E '^-- jorge:' "$JG_ROOT/$dir.configure.log" >&2 || true
    cmake --build "$JG_ROOT/$dir" -j "$(nproc)" >"$JG_ROOT/$dir.build.log" 2>&1 ||
        { tail -50 "$JG_ROOT/$dir.build.log" >&2; jg_log "build failed ($dir)"; return 1; }
    jg_log "built $dir"
}

# jg_install_report_packages: the report's TeX packages (not needed to build
# or test the toolkit).
jg_install_report_packages() {
    local JG_PACKAGES=""
    jg_install_packages $JG_REPORT_PACKAGES
}
