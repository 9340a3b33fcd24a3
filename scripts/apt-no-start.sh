# apt-no-start.sh - sourced by the install scripts: install Debian packages
# without starting (or restarting) any service. Debian's invoke-rc.d asks
# /usr/sbin/policy-rc.d first; exit status 101 means "do not". An existing
# policy-rc.d is put back afterwards.
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o DPkg::Lock::Timeout=900"
_pt_policy=${PT_POLICY_RC_D:-/usr/sbin/policy-rc.d}    # another path: the tests only
_pt_policy_saved=

# no_start_begin: from now on, package scripts start no service.
no_start_begin() {
    if [ -e "$_pt_policy" ]; then
        _pt_policy_saved=$(mktemp)
        cp -p "$_pt_policy" "$_pt_policy_saved"
    fi
    printf '#!/bin/sh\n# postfix-trace install scripts: start no service while installing\nexit 101\n' > "$_pt_policy"
    chmod 755 "$_pt_policy"
    trap no_start_end EXIT
}

# no_start_end: put the previous policy back (or none).
no_start_end() {
    if [ -n "$_pt_policy_saved" ]; then
        mv -f "$_pt_policy_saved" "$_pt_policy"
        _pt_policy_saved=
    else
        rm -f "$_pt_policy"
    fi
    trap - EXIT
}

# deb_src_lines: deb-src entries (for `apt-get source` of rsyslog's headers);
# the deb lines are never touched.
deb_src_lines() {
    if [ ! -f /etc/apt/sources.list.d/postfix-trace-src.sources ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
            > /etc/apt/sources.list.d/postfix-trace-src.sources
    fi
}
