# shellcheck shell=bash
# tests/rsyslog/volume.sh - a bigger real-Postfix log for the robustness tests
# (test-kill9, test-full-disk). Source after lib.sh and rs_init.
#
#   volume_log            path of a real log with ~1000 mails: $PT_VOLUME_LOG, or
#                         one generated once by tests/realpostfix/run-volume
#                         (1000 messages, ~17 s, needs root + postfix) and kept in
#                         $PT_VOLUME_CACHE (default ${TMPDIR:-/tmp}/postfix-trace-volume-1000,
#                         outside the source tree: tests/rsyslog is distributed);
#                         if that cannot be made, the committed postlogd log
#                         multiplied over 10 host names (see multiply_hosts)
#   multiply_hosts IN K OUT [TAG]   K copies of IN interleaved line by line, copy k
#                         with host name HOST TAG k (same times, so the clock stays monotonic;
#                         the core keys mails by host + queue ID: K independent copies)

# multiply_hosts IN K OUT [TAG]
multiply_hosts() {
    awk -v k="$2" -v tag="${4:-}" '
        {
            # the timestamp: "Mmm dd hh:mm:ss" (15 characters) or one RFC 3339 word
            if ($0 ~ /^[A-Z][a-z][a-z] /) ts = 15; else ts = index($0, " ") - 1
            rest = substr($0, ts + 2); sp = index(rest, " ")
            host = substr(rest, 1, sp - 1); tail = substr(rest, sp)
            for (i = 1; i <= k; i++) print substr($0, 1, ts) " " host tag i tail
        }' "$1" > "$3"
}

volume_log() {
    if [ -n "${PT_VOLUME_LOG:-}" ]; then
        [ -s "$PT_VOLUME_LOG" ] || fail "PT_VOLUME_LOG=$PT_VOLUME_LOG is empty or missing"
        echo "$PT_VOLUME_LOG"; return
    fi
    local cache=${PT_VOLUME_CACHE:-${TMPDIR:-/tmp}/postfix-trace-volume-1000}
    mkdir -p "$cache" 2>/dev/null
    if [ -d "$cache" ] && [ -w "$cache" ]; then
        (
            flock 9
            if [ ! -s "$cache/maillog" ] && [ ! -e "$cache/failed" ] && [ "$(id -u)" = 0 ] &&
                command -v postfix >/dev/null 2>&1 && command -v smtp-sink >/dev/null 2>&1; then
                rm -rf "$cache/gen"
                if timeout 120 python3 "$top_srcdir/tests/realpostfix/run-volume" "$cache/gen" 1000 \
                        --lifetime 3 > "$cache/gen.out" 2>&1 && [ -s "$cache/gen/maillog" ]; then
                    mv "$cache/gen/maillog" "$cache/maillog.tmp" && mv "$cache/maillog.tmp" "$cache/maillog"
                else
                    touch "$cache/failed"       # do not try again in every test
                fi
                rm -rf "$cache/gen"
            fi
        ) 9> "$cache/lock"
        if [ -s "$cache/maillog" ]; then echo "$cache/maillog"; return; fi
    fi
    # fallback: the committed postlogd log, 10 host names (370 mails)
    local out=$W/volume-fallback.log
    [ -f "$top_srcdir/tests/data/real/long-postlogd/maillog" ] || fail "no real-Postfix log to use"
    multiply_hosts "$top_srcdir/tests/data/real/long-postlogd/maillog" 10 "$out"
    say "note: no generated volume log (see $cache/gen.out); using the committed log x 10 hosts" >&2
    echo "$out"
}
