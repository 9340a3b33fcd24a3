# tests/rsyslog/lib.sh - a small harness for tests that run a private rsyslogd
# with ompostfix. Source it from a test script (bash). Every daemon it starts is
# stopped by its PID (never by name) when the test exits.
#
#   rs_init NAME              work dir $W, module $OMPOSTFIX_SO, cleanup trap
#   rs_conf FILE <<EOF ... EOF   write a config; @W@ @SO@ are replaced
#   rs_start CONF             start `rsyslogd -n -f CONF -i PIDFILE`, wait for imtcp's port
#   rs_send FILE [PRI]        send the lines of FILE over TCP (one TCP session)
#   rs_wait_lines FILE N [S]  wait until FILE has >= N lines (default 60 s)
#   rs_wait_stable FILE [S]   wait until FILE stops growing for S seconds
#   rs_hup / rs_stop          SIGHUP / SIGTERM and wait for exit, by PID
#   rs_start_extra NAME CONF  a further rsyslogd (relay tests): RS_EXTRA_PID, RS_EXTRA_PORT
#   rs_stop_extra PID         SIGTERM a further rsyslogd and wait for its exit
#   pass / fail MSG / skip MSG
#
# Environment: top_srcdir, top_builddir (defaults: this file's ../..),
# POSTFIX_TRACE (the command), OMPOSTFIX_SO (module; default the build's .libs),
# RSYSLOGD (default /usr/sbin/rsyslogd), KEEP_WORK=1 keeps the work dir.

set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${POSTFIX_TRACE:=$top_builddir/src/postfix-trace}"
: "${RSYSLOGD:=/usr/sbin/rsyslogd}"
: "${OMPOSTFIX_SO:=$top_builddir/plugin/rsyslog/.libs/ompostfix.so}"
export TZ=${TZ:-UTC}

RS_PID=
RS_EXTRA_PIDS=
RS_PIDFILE=
RS_CONF=
RS_NAME=test
W=

say() { printf '%s: %s\n' "$RS_NAME" "$*"; }
pass() { say "PASS${1:+: $1}"; exit 0; }
fail() {
    say "FAIL: $*"
    if [ -n "$W" ] && [ -s "$W/internal.log" ]; then
        say "rsyslogd's own messages (last 20):"; tail -n 20 "$W/internal.log" | sed 's/^/    /'
    fi
    exit 1
}
skip() { say "SKIP: $*"; exit 77; }

rs_cleanup() {
    local rc=$?
    local xp
    for xp in $RS_PID $RS_EXTRA_PIDS; do stop_pid "$xp"; done
    if [ -n "$W" ] && [ "${KEEP_WORK:-0}" != 1 ] && [ $rc -eq 0 ]; then rm -rf "$W"; fi
    [ -n "$W" ] && [ -d "$W" ] && say "work dir kept: $W"
}

rs_init() {
    RS_NAME=$1
    [ -x "$RSYSLOGD" ] || skip "$RSYSLOGD not installed"
    [ -f "$OMPOSTFIX_SO" ] || fail "module not built: $OMPOSTFIX_SO"
    W=$(mktemp -d "${TMPDIR:-/tmp}/pt-$RS_NAME.XXXXXX")
    chmod 755 "$W"
    trap rs_cleanup EXIT
    trap 'exit 1' INT TERM
}

# rs_conf FILE: config text on stdin; @W@ -> work dir, @SO@ -> module path.
# A preamble with processInternalMessages and an internal-messages file is added.
rs_conf() {
    local f=$1
    {
        cat <<PRE
global(processInternalMessages="on" workDirectory="$W" maxMessageSize="512k")
template(name="pt_msgonly" type="string" string="%msg%\n")
template(name="pt_rawline" type="string" string="%rawmsg-after-pri%\n")
if \$inputname == "rsyslogd" or \$syslogtag startswith "rsyslogd" then {
    action(type="omfile" name="internal" file="$W/internal.log")
    stop
}
PRE
        sed -e "s|@W@|$W|g" -e "s|@SO@|$OMPOSTFIX_SO|g"
    } > "$f"
}

# rs_start CONF [PORTFILE]: starts rsyslogd, waits for the imtcp port file
# (listenPortFileName="@W@/port") if the config has one; sets RS_PID, RS_PORT.
rs_start() {
    RS_CONF=$1
    local portfile=${2:-$W/port}
    RS_PIDFILE=$W/rsyslogd.pid
    rm -f "$portfile" "$RS_PIDFILE"
    "$RSYSLOGD" -n -f "$RS_CONF" -i "$RS_PIDFILE" >>"$W/rsyslogd.out" 2>&1 &
    RS_PID=$!
    if grep -q 'listenPortFileName' "$RS_CONF"; then
        for _ in $(seq 100); do
            [ -s "$portfile" ] && break
            kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd exited at start: $(tail -n 5 "$W/rsyslogd.out")"
            sleep 0.1
        done
        [ -s "$portfile" ] || fail "rsyslogd did not open its TCP port"
        RS_PORT=$(cat "$portfile")
    else
        sleep 1
        kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd exited at start: $(tail -n 5 "$W/rsyslogd.out")"
    fi
}

# rs_send FILE [PRI]: each line gets "<PRI>" (default 22, mail.info) unless it has one.
rs_send() {
    local f=$1 pri=${2:-22}
    exec 3<>"/dev/tcp/127.0.0.1/$RS_PORT" || fail "cannot connect to 127.0.0.1:$RS_PORT"
    awk -v pri="$pri" '{ if ($0 ~ /^<[0-9]+>/) print; else print "<" pri ">" $0 }' "$f" >&3
    exec 3>&-
}

nlines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }

rs_wait_lines() {
    local f=$1 n=$2 t=${3:-60} i
    for i in $(seq $((t * 10))); do
        [ "$(nlines "$f")" -ge "$n" ] && return 0
        sleep 0.1
    done
    fail "timeout: $f has $(nlines "$f") lines, expected $n"
}

rs_wait_stable() {
    local f=$1 s=${2:-3} last=-1 same=0 cur
    for _ in $(seq 600); do
        cur=$(nlines "$f")
        if [ "$cur" = "$last" ]; then same=$((same + 1)); else same=0; last=$cur; fi
        [ $same -ge $((s * 10)) ] && return 0
        sleep 0.1
    done
}

rs_hup() { kill -HUP "$RS_PID"; }

rs_stop() {
    [ -n "$RS_PID" ] || return 0
    kill -TERM "$RS_PID" 2>/dev/null
    for _ in $(seq 300); do
        kill -0 "$RS_PID" 2>/dev/null || { wait "$RS_PID" 2>/dev/null; RS_PID=; return 0; }
        sleep 0.1
    done
    kill -KILL "$RS_PID" 2>/dev/null
    RS_PID=
    fail "rsyslogd did not stop within 30 s"
}

# rs_start_extra NAME CONF: starts a further rsyslogd beside the one of
# rs_start (pid file $W/NAME.pid, output $W/NAME.out) and waits for its port
# file $W/NAME.port (listenPortFileName="@W@/NAME.port") if the config has one;
# sets RS_EXTRA_PID, RS_EXTRA_PORT. Stopped by PID at exit, or by rs_stop_extra.
rs_start_extra() {
    local name=$1 conf=$2 portfile=$W/$1.port
    rm -f "$portfile" "$W/$name.pid"
    "$RSYSLOGD" -n -f "$conf" -i "$W/$name.pid" >>"$W/$name.out" 2>&1 &
    RS_EXTRA_PID=$!
    RS_EXTRA_PIDS="$RS_EXTRA_PIDS $RS_EXTRA_PID"
    RS_EXTRA_PORT=
    if grep -q 'listenPortFileName' "$conf"; then
        for _ in $(seq 100); do
            [ -s "$portfile" ] && break
            kill -0 "$RS_EXTRA_PID" 2>/dev/null || fail "rsyslogd $name exited at start: $(tail -n 5 "$W/$name.out")"
            sleep 0.1
        done
        [ -s "$portfile" ] || fail "rsyslogd $name did not open its TCP port"
        RS_EXTRA_PORT=$(cat "$portfile")
    else
        sleep 1
        kill -0 "$RS_EXTRA_PID" 2>/dev/null || fail "rsyslogd $name exited at start: $(tail -n 5 "$W/$name.out")"
    fi
}

# rs_stop_extra PID: SIGTERM a daemon started by rs_start_extra, wait for its exit.
rs_stop_extra() {
    stop_pid "$1" 300 || fail "rsyslogd (pid $1) did not stop within 30 s"
}

# rs_stat NAME COUNTER: latest value of an impstats counter of stats object NAME
# (needs module(load="impstats" interval="1" log.file="@W@/stats.log" log.syslog="off")).
rs_stat() {
    [ -f "$W/stats.log" ] || { echo -1; return; }
    awk -v n="$1:" -v c="$2" '
        { for (i = 1; i <= NF; i++) if ($i == n) { for (j = i + 1; j <= NF; j++) { split($j, kv, "="); if (kv[1] == c) v = kv[2] } } }
        END { print (v == "" ? -1 : v) }' "$W/stats.log"
}

# rs_wait_stat NAME COUNTER VALUE [S]: wait until the counter reaches VALUE.
rs_wait_stat() {
    local t=${4:-60} v
    for _ in $(seq $((t * 10))); do
        v=$(rs_stat "$1" "$2")
        [ "$v" -ge "$3" ] 2>/dev/null && return 0
        sleep 0.1
    done
    fail "timeout: impstats $1 $2 is $(rs_stat "$1" "$2"), expected $3"
}

# rs_wait_window NAME [S]: wait until the action's reorder window is empty
# (impstats lines_held 0): the lines taken so far are folded in, so a stop
# with a stateFile saves their mails, not the lines (the window holds lines
# reorderWindow seconds, 2 by default).
rs_wait_window() {
    local t=${2:-30}
    for _ in $(seq $((t * 10))); do
        [ "$(rs_stat "$1" lines_held)" = 0 ] && return 0
        sleep 0.1
    done
    fail "timeout: impstats $1 lines_held is $(rs_stat "$1" lines_held) after $t s"
}

. "$top_srcdir/tests/daemon-common.sh"
