# tests/syslog-ng/lib.sh - a small harness for tests that run a private
# syslog-ng 3.38 with the postfix-trace() parser. Source it from a test script
# (bash). Every daemon it starts listens on 127.0.0.1 only and is stopped by its
# PID (never by name) when the test exits.
#
#   sng_init NAME              work dir $W, cleanup trap; skips when the plugin
#                              or syslog-ng is missing
#   sng_conf FILE <<EOF        write a config; @W@ -> work dir, @PORT@ -> a free port;
#                              a preamble (@version, options, internal() to a file) is added
#   sng_run ARGS...            run the syslog-ng binary with the plugin on its module path
#   sng_start CONF             start `syslog-ng -F -f CONF -p PID -R PERSIST -c CTL`, wait for the port
#   sng_send FILE [PORT]       send the lines of FILE over TCP (one session, as they are)
#   sng_start_extra NAME CONF PORT  a further syslog-ng (relay tests): SNG_EXTRA_PID
#   sng_stop_extra PID         SIGTERM a further syslog-ng and wait for its exit
#   sng_stat COUNTER           a counter of the postfix-trace stats (syslog-ng-ctl stats)
#   sng_wait_lines FILE N [S] / sng_wait_stable FILE [S] / sng_stop / sng_kill9
#   sng_alive WHAT             fail at once if the daemon has died
#   sng_ownlog                 the daemon's own messages (internal() log + stderr)
#   pass / fail MSG / skip MSG
#
# Environment: top_srcdir, top_builddir, POSTFIX_TRACE (the command); the
# syslog-ng location comes from $top_builddir/tests/syslog-ng/env.sh (configure).
# SNG_PLUGIN_DIR overrides the module's directory; KEEP_WORK=1 keeps the work dir.

set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${POSTFIX_TRACE:=$top_builddir/src/postfix-trace}"
: "${SNG_PLUGIN_DIR:=$top_builddir/plugin/syslog-ng/.libs}"
export TZ=${TZ:-UTC}

SNG_PID=
SNG_EXTRA_PIDS=
SNG_NAME=test
SNG_PORT=
W=

say() { printf '%s: %s\n' "$SNG_NAME" "$*"; }
pass() { say "PASS${1:+: $1}"; exit 0; }
fail() {
    say "FAIL: $*"
    if [ -n "$W" ] && [ -s "$W/internal.log" ]; then
        say "syslog-ng's own messages (last 20):"; tail -n 20 "$W/internal.log" | sed 's/^/    /'
    fi
    if [ -n "$W" ] && [ -s "$W/syslog-ng.out" ]; then
        say "syslog-ng's stderr (last 10):"; tail -n 10 "$W/syslog-ng.out" | sed 's/^/    /'
    fi
    exit 1
}
skip() { say "SKIP: $*"; exit 77; }

sng_cleanup() {
    local rc=$?
    local xp
    for xp in $SNG_PID $SNG_EXTRA_PIDS; do stop_pid "$xp"; done
    if [ -n "$W" ] && [ "${KEEP_WORK:-0}" != 1 ] && [ $rc -eq 0 ]; then rm -rf "$W"; fi
    [ -n "$W" ] && [ -d "$W" ] && say "work dir kept: $W"
}

sng_init() {
    SNG_NAME=$1
    local env=$top_builddir/tests/syslog-ng/env.sh
    [ -f "$env" ] || skip "$env missing (not configured?)"
    # shellcheck disable=SC1090
    . "$env"
    [ -n "$SYSLOG_NG_SBIN" ] && [ -x "$SYSLOG_NG_SBIN" ] || skip "no syslog-ng daemon (scripts/fetch-syslog-ng)"
    [ -f "$SNG_PLUGIN_DIR/libpostfix-trace.so" ] || skip "plugin not built: $SNG_PLUGIN_DIR/libpostfix-trace.so"
    W=$(mktemp -d "${TMPDIR:-/tmp}/pt-sng-$SNG_NAME.XXXXXX")
    chmod 755 "$W"
    trap sng_cleanup EXIT
    trap 'exit 1' INT TERM
}

sng_run() {
    LD_LIBRARY_PATH="$SYSLOG_NG_LIBPATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$SYSLOG_NG_SBIN" --module-path="$SNG_PLUGIN_DIR:$SYSLOG_NG_MODULEDIR" "$@"
}

sng_ctl() {
    local ctl
    ctl=$(dirname "$SYSLOG_NG_SBIN")/syslog-ng-ctl
    LD_LIBRARY_PATH="$SYSLOG_NG_LIBPATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$ctl" "$@" -c "$W/ctl"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sng_conf FILE: config on stdin; @W@ -> work dir, @PORT@ -> $SNG_PORT (picked once).
sng_conf() {
    local f=$1
    [ -n "$SNG_PORT" ] || SNG_PORT=$(free_port)
    {
        cat <<PRE
@version: 3.38
options { keep-hostname(yes); chain-hostnames(no); stats-freq(0); use-dns(no); log-fifo-size(100000); };
source s_internal { internal(); };
destination d_internal { file("$W/internal.log"); };
log { source(s_internal); destination(d_internal); };
PRE
        sed -e "s|@W@|$W|g" -e "s|@PORT@|$SNG_PORT|g"
    } > "$f"
}

sng_start() {
    local conf=$1
    rm -f "$W/syslog-ng.pid"
    # a simple command (no function, no subshell): $! is the daemon itself
    LD_LIBRARY_PATH="$SYSLOG_NG_LIBPATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$SYSLOG_NG_SBIN" --module-path="$SNG_PLUGIN_DIR:$SYSLOG_NG_MODULEDIR" \
        -F -f "$conf" -p "$W/syslog-ng.pid" -R "$W/syslog-ng.persist" -c "$W/ctl" \
        >>"$W/syslog-ng.out" 2>&1 &
    SNG_PID=$!
    for _ in $(seq 100); do
        kill -0 "$SNG_PID" 2>/dev/null || fail "syslog-ng exited at start"
        if (exec 3<>"/dev/tcp/127.0.0.1/$SNG_PORT") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    fail "syslog-ng did not open 127.0.0.1:$SNG_PORT"
}

# sng_start_extra NAME CONF PORT: starts a further syslog-ng beside the one of
# sng_start (pid, persist and control files $W/NAME.*, output $W/NAME.out) and
# waits until it accepts connections on 127.0.0.1:PORT; sets SNG_EXTRA_PID.
# Stopped by PID at exit, or by sng_stop_extra.
sng_start_extra() {
    local name=$1 conf=$2 port=$3
    rm -f "$W/$name.pid"
    LD_LIBRARY_PATH="$SYSLOG_NG_LIBPATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$SYSLOG_NG_SBIN" --module-path="$SNG_PLUGIN_DIR:$SYSLOG_NG_MODULEDIR" \
        -F -f "$conf" -p "$W/$name.pid" -R "$W/$name.persist" -c "$W/$name.ctl" \
        >>"$W/$name.out" 2>&1 &
    SNG_EXTRA_PID=$!
    SNG_EXTRA_PIDS="$SNG_EXTRA_PIDS $SNG_EXTRA_PID"
    for _ in $(seq 100); do
        kill -0 "$SNG_EXTRA_PID" 2>/dev/null || fail "syslog-ng $name exited at start: $(tail -n 5 "$W/$name.out")"
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    fail "syslog-ng $name did not open 127.0.0.1:$port"
}

# sng_stop_extra PID: SIGTERM a daemon started by sng_start_extra, wait for its exit.
sng_stop_extra() {
    stop_pid "$1" 300 || fail "syslog-ng (pid $1) did not stop within 30 s"
}

sng_send() {
    local port=${2:-$SNG_PORT}
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect to 127.0.0.1:$port"
    cat "$1" >&3
    exec 3>&-
}

# sng_stat COUNTER [INSTANCE]: the value of one postfix-trace counter, -1 if none.
sng_stat() {
    local inst=${2:-postfix-trace}
    sng_ctl stats 2>/dev/null | awk -F';' -v i="$inst" -v c="$1" \
        '$1 == "parser" && $2 == "postfix-trace" && $3 == i && $5 == c { v = $6 } END { print (v == "" ? -1 : v) }'
}

# sng_alive WHAT: fail at once when the daemon started by sng_start has died
sng_alive() {
    [ -z "$SNG_PID" ] || kill -0 "$SNG_PID" 2>/dev/null && return 0
    wait "$SNG_PID" 2>/dev/null; local rc=$?
    SNG_PID=
    fail "syslog-ng died ($1; exit status $rc$([ $rc -gt 128 ] && echo ", signal $((rc - 128))"))"
}

sng_wait_stat() {   # COUNTER VALUE [S]
    local t=${3:-60} v
    for _ in $(seq $((t * 10))); do
        v=$(sng_stat "$1")
        [ "$v" -ge "$2" ] 2>/dev/null && return 0
        sng_alive "waiting for stats $1 >= $2"
        sleep 0.1
    done
    fail "timeout: stats $1 is $(sng_stat "$1"), expected $2"
}

# sng_wait_window [S]: wait until the parser's reorder window is empty and its
# records have gone down the log path (lines_held 0, records_pending 0): a stop
# with a state-file then saves open mails, not lines (the window holds lines
# reorder-window() seconds, 2 by default).
sng_wait_window() {
    local t=${1:-30}
    for _ in $(seq $((t * 10))); do
        [ "$(sng_stat lines_held)" = 0 ] && [ "$(sng_stat records_pending)" = 0 ] && return 0
        sng_alive "waiting for the reorder window to empty"
        sleep 0.1
    done
    fail "timeout: lines_held is $(sng_stat lines_held), records_pending $(sng_stat records_pending) after $t s"
}

nlines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }

sng_wait_lines() {
    local f=$1 n=$2 t=${3:-60}
    for _ in $(seq $((t * 10))); do
        [ "$(nlines "$f")" -ge "$n" ] && return 0
        sng_alive "waiting for $n lines in ${f##*/}"
        sleep 0.1
    done
    fail "timeout: $f has $(nlines "$f") lines, expected $n"
}

sng_wait_stable() {
    local f=$1 s=${2:-3} last=-1 same=0 cur
    for _ in $(seq 600); do
        cur=$(nlines "$f")
        if [ "$cur" = "$last" ]; then same=$((same + 1)); else same=0; last=$cur; fi
        [ $same -ge $((s * 10)) ] && return 0
        sleep 0.1
    done
}

# sng_kill9: kill -9 the daemon by its PID
sng_kill9() {
    [ -n "$SNG_PID" ] || return 0
    kill -KILL "$SNG_PID" 2>/dev/null
    wait "$SNG_PID" 2>/dev/null
    SNG_PID=
}

# sng_ownlog: what the daemon said about itself, both ways it says it: the
# internal() source's file, and stderr (errors before the main loop runs)
sng_ownlog() { cat "$W/internal.log" "$W/syslog-ng.out" 2>/dev/null; }

sng_stop() {
    [ -n "$SNG_PID" ] || return 0
    kill -TERM "$SNG_PID" 2>/dev/null
    for _ in $(seq 300); do
        kill -0 "$SNG_PID" 2>/dev/null || { wait "$SNG_PID" 2>/dev/null; SNG_PID=; return 0; }
        sleep 0.1
    done
    kill -KILL "$SNG_PID" 2>/dev/null
    SNG_PID=
    fail "syslog-ng did not stop within 30 s"
}

. "$top_srcdir/tests/daemon-common.sh"
