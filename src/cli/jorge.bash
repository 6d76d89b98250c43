# bash completion for jorge (installed as
# share/bash-completion/completions/jorge).  Commands and options are read
# from the command's own --help texts when completing, so they never drift
# from it: `jorge --help` lists the commands, `jorge CMD --help` the
# options (every --word it mentions).  After an option that takes a value
# (its --help line names one in capitals, e.g. --out FILE) files complete.
_jorge() {
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]:-}
    local exe=${COMP_WORDS[0]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        local cmds
        cmds=$("$exe" --help 2>/dev/null | awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{exit}')
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return 0
    fi
    local help
    help=$("$exe" "$cmd" --help 2>/dev/null)
    if [[ "$prev" == --* ]] && printf '%s\n' "$help" | grep -Eq -- "(^|[ ,])$prev[ =][A-Z]"; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(printf '%s\n' "$help" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u)" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
}
complete -o filenames -F _jorge jorge
