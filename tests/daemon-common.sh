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

# after_pause A B PART1 OUT: A (the command's records of the whole log) as a
# daemon that paused after PART1 writes them: a mail that had ended by
# PART1's last second and was waiting out its linger when the pause began is
# written during the pause (the daemon's clock moves on with wall time), so
# the lines of its smtpd session that come after the pause (a disconnect)
# are not folded in. For records whose last_seen in A is later than PART1's
# last time and whose counterpart in B (same id) ends by then, take B's
# last_seen and lines; every other field must still be equal. Writes OUT.
after_pause() {
    python3 - "$1" "$2" "$3" "$4" <<'PY'
import datetime, json, sys
a_path, b_path, part1, out = sys.argv[1:5]
last = open(part1).read().rstrip('\n').rsplit('\n', 1)[-1]
def stamp(s):
    return datetime.datetime.fromisoformat(s).timestamp()
b, b_line = {}, {}
for l in open(b_path):
    r = json.loads(l)
    if 'id' in r:
        b[r['id']], b_line[r['id']] = r, l
a_lines = open(a_path).readlines()
recs = [json.loads(l) for l in a_lines]
if last[:1].isdigit():                  # RFC 3339
    t_end = stamp(last.split(' ', 1)[0])
else:                                   # RFC 3164 / postlogd: the records' year and zone
    d = datetime.datetime.fromisoformat(next(r['first_seen'] for r in recs if 'first_seen' in r))
    t_end = datetime.datetime.strptime('%d %s' % (d.year, last[:15]), '%Y %b %d %H:%M:%S') \
        .replace(tzinfo=d.tzinfo).timestamp()
with open(out, 'w') as f:
    for l, r in zip(a_lines, recs):
        o = b.get(r.get('id'))
        if (o and 'last_seen' in r and stamp(r['last_seen']) >= t_end + 1
                and stamp(o['last_seen']) < t_end + 1
                and dict(r, last_seen=o['last_seen'], lines=o.get('lines')) == o):
            l = b_line[r['id']]
        f.write(l)
PY
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
