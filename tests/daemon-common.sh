# shellcheck shell=bash
# tests/daemon-common.sh - helpers shared by the daemon tests (tests/rsyslog,
# tests/syslog-ng), sourced by their lib.sh after say/fail and $W exist:
# the real logs to replay, the command's records for the same lines, and a
# set comparison of two record files.

# replay_inputs: the real-Postfix logs the project ships (or $PT_REPLAY_LOGS).
replay_inputs() {
    if [ -n "${PT_REPLAY_LOGS:-}" ]; then printf '%s\n' $PT_REPLAY_LOGS; return; fi
    local d=$top_srcdir/tests/data/real f
    for f in "$d"/short-syslog/syslog-traditional.log "$d"/short-syslog/syslog-rfc3339.log \
             "$d"/long-postlogd/maillog; do
        [ -f "$f" ] && echo "$f"
    done
}

# cli_records FILE OUT [OPTIONS...]: the command's records for the same lines.
cli_records() {
    local in=$1 out=$2; shift 2
    [ -x "$POSTFIX_TRACE" ] || fail "postfix-trace command not built: $POSTFIX_TRACE"
    "$POSTFIX_TRACE" "$@" "$in" > "$out" || fail "postfix-trace failed on $in"
}

# same_set A B WHAT: the two files hold the same lines (as multisets), else show a diff.
same_set() {
    if ! diff <(LC_ALL=C sort "$1") <(LC_ALL=C sort "$2") > "$W/diff.out"; then
        say "$3: records differ (< ${1##*/}, > ${2##*/}), first lines of the diff:"
        head -n 20 "$W/diff.out" | cut -c1-400 | sed 's/^/    /'
        return 1
    fi
    return 0
}
