# shellcheck shell=bash
# tests/daemon-common.sh - helpers shared by the daemon tests (tests/rsyslog,
# tests/syslog-ng), sourced by their lib.sh after say/fail and $W exist:
# the real logs to replay, the command's records for the same lines, and a
# set comparison of two record files.

# stop_pid PID [TENTHS]: SIGTERM the process, wait up to TENTHS tenths of a
# second (default 50) for it to exit, then SIGKILL it; 1 if it had to be killed.
stop_pid() {
    local p=$1 n=${2:-50}
    { [ -n "$p" ] && kill -0 "$p" 2>/dev/null; } || return 0
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq "$n"); do
        kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
        sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null
    return 1
}

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

# second_boundary FILE N: the smallest line count >= N after which FILE's next
# line has another timestamp (first word for RFC 3339, 15 bytes for RFC 3164 /
# postlogd). Tests that stop, kill or reload the daemon between two parts of a
# log split there: lines of one second that straddle a restart come later than
# the reorder window allows, outside what the records are promised to survive
# (docs/architecture.md, "Order").
second_boundary() {
    awk -v n="$2" '
        { ts = ($0 ~ /^[A-Z][a-z][a-z] /) ? substr($0, 1, 15) : substr($0, 1, index($0, " ") - 1) }
        NR > n && ts != prev { print NR - 1; found = 1; exit }
        { prev = ts }
        END { if (!found) print NR }' "$1"
}
