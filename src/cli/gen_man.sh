#!/bin/sh
# gen_man.sh JORGE OUT - the manual page jorge(1) from the command's own
# --help texts: `jorge --help` as the description, then one section per
# command with its `jorge COMMAND --help`, verbatim (no-fill), so the page
# says exactly what --help says.  Run by the build (CMakeLists.txt); the
# commands are those `jorge --help` lists under "commands:".
set -eu
JORGE=$1
OUT=$2
# roff escaping of verbatim text: backslash, and a leading . or ' (requests)
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
version=$("$JORGE" --version | awk '{print $2}')
cmds=$("$JORGE" --help | awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{exit}')
tmp=$OUT.tmp.$$
trap 'rm -f "$tmp"' EXIT
{
    printf '.TH JORGE 1 "" "jorge %s" "User Commands"\n' "$version"
    printf '.SH NAME\njorge \\- exact inverse roots and Jorge'"'"'s inverse-free preconditioner\n'
    printf '.SH SYNOPSIS\n.B jorge\n.I COMMAND\n[options] [arguments]\n.br\n.B jorge\n\\-\\-help | \\-\\-version\n'
    printf '.SH DESCRIPTION\n.nf\n'
    "$JORGE" --help | esc
    printf '.fi\n.SH COMMANDS\n'
    for c in $cmds; do
        printf '.SS %s\n.nf\n' "$c"
        "$JORGE" "$c" --help | esc
        printf '.fi\n'
    done
    printf '.SH SEE ALSO\nThe README.md of the source tree; the Python package: python3 \\-c "import jorge; help(jorge)".\n'
} >"$tmp"
mv "$tmp" "$OUT"
trap - EXIT
