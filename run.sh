#!/usr/bin/env bash
# ./run.sh - the main job, from a fresh machine: installs what is missing,
# builds, and runs the default demonstration / experiments.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$JG_ROOT"

jg_install_packages
jg_build build
build/jorge info
