"""Shared machinery for the real-Postfix test harness (python3 stdlib only).

Used by run-scenarios and run-volume. Everything here assumes it already runs
inside a private network + mount (+ UTS) namespace (see enter_namespace()), as
root, with Debian's postfix / rsyslog installed unconfigured.

What it provides:
  * enter_namespace(argv)   re-exec the calling script under `unshare --net
                            --mount --uts --fork`, bring `lo` up, make mounts
                            private, set the namespace's hostname.
  * Instance                a private Postfix instance in a temp dir
                            (`postfix -c DIR`), no chroot, loopback only,
                            short queue lifetimes, postlogd or rsyslog logging.
  * Sink                    one Postfix smtp-sink process (a "remote MTA")
                            with a -d per-message dump directory.
  * SmtpClient              a tiny raw SMTP client (socket) that records every
                            reply it sees (the ground truth for queue IDs and
                            RCPT rejects), and can drop the connection at will.
  * dump parsing helpers    read smtp-sink dumps / mailboxes and get the
                            Postfix queue ID from the top "(Postfix) ... id QID"
                            Received header (truth from outside the log).

Nothing here ever talks to a non-loopback address: the namespace has only `lo`.
"""

import email
import email.policy
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOSTNAME = "mail.example.test"      # myhostname; logs show its first label
LOGHOST = HOSTNAME.split(".")[0]    # "mail": the syslog HOSTNAME in every line
NS_ENV = "REALPOSTFIX_IN_NAMESPACE"

# Loopback "remote MTAs": domain -> (ip, port). Every sink listens on its own
# port so that each behaviour is separate; `refused.test` has no listener.
SINK_PORTS = {
    "accept":   ("127.0.0.1", 2525),   # 250 to everything
    "tempfail": ("127.0.0.1", 2526),   # 450 on RCPT   (-r RCPT)
    "hardfail": ("127.0.0.1", 2527),   # 500 on RCPT   (-f RCPT)
    "later":    ("127.0.0.1", 2528),   # 450 first, then swapped for an accept sink
    "refused":  ("127.0.0.1", 2529),   # nothing listens: connection refused
    "senders":  ("127.0.0.1", 2530),   # accepts; where notifications to client.test go
}
TRANSPORT = {
    "accept.test":   "accept",
    "tempfail.test": "tempfail",
    "hardfail.test": "hardfail",
    "later.test":    "later",
    "refused.test":  "refused",
    "client.test":   "senders",
    "hold.test":     "accept",
    "discard.test":  "accept",
}


def log(msg):
    print("[realpostfix %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def run(cmd, check=True, **kw):
    """Run a command, return CompletedProcess with text output."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("command failed (%d): %s\nstdout: %s\nstderr: %s"
                           % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r


# ---------------------------------------------------------------- namespace

def enter_namespace(argv):
    """Re-exec this script inside unshare unless already inside. Returns when inside."""
    if os.environ.get(NS_ENV) == "1":
        # SIGTERM/SIGHUP (also sent by unshare --kill-child when unshare dies) must run
        # the callers' finally: blocks, which stop every process we started.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
        _namespace_setup()
        return
    if os.geteuid() != 0:
        sys.exit("realpostfix: must run as root (private Postfix instance, unshare)")
    for tool in ("unshare", "ip", "postfix", "smtp-sink", "postconf"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            sys.exit("realpostfix: %s not found; run scripts/install-deps" % tool)
    env = dict(os.environ)
    env[NS_ENV] = "1"
    env["PATH"] = env.get("PATH", "") + ":/usr/sbin:/sbin"
    cmd = ["unshare", "--net", "--mount", "--uts", "--fork", "--kill-child=SIGTERM",
           sys.executable, os.path.abspath(argv[0])] + argv[1:]
    os.execvpe("unshare", cmd, env)


def _namespace_setup():
    run(["ip", "link", "set", "lo", "up"])
    run(["mount", "--make-rprivate", "/"])
    try:
        socket.sethostname(HOSTNAME)
    except (AttributeError, OSError):
        run(["hostname", HOSTNAME], check=False)
    # Paranoia: there must be no route anywhere but loopback.
    routes = run(["ip", "-4", "route", "show"]).stdout.strip()
    if routes:
        raise RuntimeError("unexpected routes in private namespace: %r" % routes)


def private_dev(tmp):
    """Give this mount namespace its own /dev (a tmpfs) so that /dev/log can be
    our private rsyslog socket without touching the host's /dev."""
    newdev = os.path.join(tmp, "dev")
    os.makedirs(newdev, exist_ok=True)
    run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", newdev])
    for node in ("null", "zero", "full", "random", "urandom", "tty"):
        src = "/dev/" + node
        if os.path.exists(src):
            open(os.path.join(newdev, node), "w").close()
            run(["mount", "--bind", src, os.path.join(newdev, node)])
    for d in ("pts", "shm"):
        if os.path.isdir("/dev/" + d):
            os.makedirs(os.path.join(newdev, d), exist_ok=True)
            run(["mount", "--rbind", "/dev/" + d, os.path.join(newdev, d)])
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
                         ("ptmx", "pts/ptmx")):
        os.symlink(target, os.path.join(newdev, name))
    run(["mount", "--move", newdev, "/dev"])


# ---------------------------------------------------------------- sinks

class Sink:
    """One smtp-sink process; -d writes one file per message into dumpdir."""

    def __init__(self, name, ip, port, dumpdir, extra=()):
        self.name, self.ip, self.port, self.dumpdir = name, ip, port, dumpdir
        os.makedirs(dumpdir, exist_ok=True)
        os.chown(dumpdir, 65534, 65534)
        # -d template: strftime-expanded, then a random hex suffix is appended.
        cmd = ["smtp-sink", "-u", "nobody", "-4", "-h", "sink-%s.example.test" % name,
               "-d", os.path.join(dumpdir, "msg."), "-m", "512"] + list(extra) + \
              ["%s:%d" % (ip, port), "256"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(ip, port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _wait_port(ip, port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection((ip, port), timeout=1) as s:
                s.recv(512)      # read the greeting, then leave politely
                s.sendall(b"QUIT\r\n")
                s.recv(512)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on %s:%d" % (ip, port))


RECEIVED_ID = re.compile(r"\(Postfix[^)]*\).*?\bid\s+([0-9A-Za-z]+)", re.S)


def read_dump(path):
    """Parse one smtp-sink dump file (or a single mbox message).
    Returns dict: mail_from, rcpts, postfix_ids (Received ids, newest first),
    headers (email.message.Message), body text."""
    with open(path, "rb") as f:
        data = f.read()
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    mail_args = msg.get("X-Mail-Args", "")
    rcpts = []
    for r in msg.get_all("X-Rcpt-Args", []) or []:
        m = re.match(r"\s*(?:TO:)?<(.*)>(?:\s|$)", r, re.I | re.S)
        rcpts.append(m.group(1) if m else r.strip())
    m = re.match(r"\s*(?:FROM:)?<(.*)>(?:\s|$)", mail_args, re.I | re.S)
    ids = []
    for h in msg.get_all("Received", []) or []:
        if "(smtp-sink)" in h:
            continue
        m2 = RECEIVED_ID.search(h)
        if m2:
            ids.append(m2.group(1))
    return {
        "path": path,
        "mail_from": m.group(1) if m else None,
        "rcpts": rcpts,
        "postfix_ids": ids,
        "msg": msg,
        "text": data.decode("utf-8", "replace"),
    }


def read_dumps(dumpdir):
    return [read_dump(p) for p in sorted(glob.glob(os.path.join(dumpdir, "msg.*")))]


def read_mbox_ids(path):
    """Queue IDs of messages in a Postfix-written mbox (top (Postfix) Received per message)."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", "replace")
    out = []
    for part in re.split(r"(?m)^From ", data):
        if not part.strip():
            continue
        msg = email.message_from_string("X-Envelope: " + part, policy=email.policy.compat32)
        for h in msg.get_all("Received", []) or []:
            m = RECEIVED_ID.search(h)
            if m:
                out.append(m.group(1))
                break
    return out


# ---------------------------------------------------------------- SMTP client

class SmtpError(Exception):
    pass


class SmtpClient:
    """Minimal SMTP client that records (command, code, text) for every reply."""

    def __init__(self, ip="127.0.0.1", port=25, helo="client.test", timeout=30):
        self.sock = socket.create_connection((ip, port), timeout=timeout)
        self.local_port = self.sock.getsockname()[1]
        self.buf = b""
        self.transcript = []
        self.reply("CONNECT")
        if helo:
            self.cmd("EHLO " + helo)

    def _readline(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SmtpError("connection closed by server")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def reply(self, what):
        lines = []
        while True:
            line = self._readline()
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                code = int(line[:3])
                break
        text = "\n".join(lines)
        self.transcript.append({"command": what, "code": code, "text": text})
        return code, text

    def cmd(self, line):
        self.sock.sendall(line.encode("utf-8") + b"\r\n")
        return self.reply(line.split(" ")[0].split(":")[0].upper())

    def mail(self, sender):
        return self.cmd("MAIL FROM:<%s>" % sender)

    def rcpt(self, rcpt):
        return self.cmd("RCPT TO:<%s>" % rcpt)

    def data(self, body):
        code, text = self.cmd("DATA")
        if code != 354:
            return code, text
        payload = body.replace("\r\n", "\n").replace("\n", "\r\n")
        if not payload.endswith("\r\n"):
            payload += "\r\n"
        payload = re.sub(r"(?m)^\.", "..", payload)
        self.sock.sendall(payload.encode("utf-8") + b".\r\n")
        return self.reply("END-OF-MESSAGE")

    def quit(self):
        try:
            self.cmd("QUIT")
        finally:
            self.sock.close()

    def drop(self):
        """Close the socket without QUIT (client gives up mid-session)."""
        self.sock.close()


QUEUED_AS = re.compile(r"queued as ([0-9A-Za-z]+)")


def queued_as(text):
    m = QUEUED_AS.search(text)
    return m.group(1) if m else None


def make_body(sender, rcpts, subject, msgid, extra_headers=""):
    return ("From: <%s>\nTo: %s\nSubject: %s\nMessage-ID: <%s>\nDate: %s\n%s\n"
            "This is a postfix-trace test message.\n"
            % (sender, ", ".join("<%s>" % r for r in rcpts), subject, msgid,
               email.utils.formatdate(localtime=False), extra_headers))


import email.utils  # noqa: E402  (used by make_body)


# ---------------------------------------------------------------- instance

MASTER_CF = """\
# Generated by tests/realpostfix (no chroot anywhere).
smtp      inet  n       -       n       -       -       smtpd
# Content-filter entry: everything received here goes to the filter transport...
127.0.0.1:10026 inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/10026
  -o content_filter=filter:[127.0.0.1]:10025
# ...which is a Postfix-to-Postfix smtp hop back into this listener (no filter).
127.0.0.1:10025 inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/10025
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
filter    unix  -       -       n       -       -       smtp
  -o syslog_name=postfix/$service_name
  -o smtp_send_xforward_command=yes
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
  -o syslog_name=postfix/$service_name
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

RSYSLOG_CONF = """\
# Private rsyslogd for tests/realpostfix: reads the namespace's /dev/log only.
global(processInternalMessages="on" workDirectory="{work}" localHostname="{host}"
       maxMessageSize="64k")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0"
       SysSock.RateLimit.Burst="0" SysSock.Unlink="on" SysSock.UsePIDFromSystem="off")
mail.*  action(type="omfile" file="{trad}" template="RSYSLOG_TraditionalFileFormat")
mail.*  action(type="omfile" file="{rfc}" template="RSYSLOG_FileFormat")
"""


class Instance:
    """A private Postfix instance rooted at tmp."""

    def __init__(self, tmp, long_ids=False, logging="postlogd", port_logging=False,
                 lifetime="12s", extra_main=None):
        self.tmp = tmp
        self.etc = os.path.join(tmp, "etc")
        self.spool = os.path.join(tmp, "spool")
        self.data = os.path.join(tmp, "data")
        self.mail = os.path.join(tmp, "mail")
        self.vmail = os.path.join(tmp, "vmail")
        self.logdir = os.path.join(tmp, "log")
        self.logging = logging
        self.long_ids = long_ids
        self.maillog = os.path.join(self.logdir, "maillog")
        self.trad = os.path.join(self.logdir, "syslog-traditional.log")
        self.rfc = os.path.join(self.logdir, "syslog-rfc3339.log")
        self.sinks = {}
        self.rsyslog = None
        self.started = False
        os.chmod(tmp, 0o755)              # postfix / nobody must traverse it
        for d in (self.etc, self.spool, self.data, self.mail, self.vmail, self.logdir):
            os.makedirs(d, exist_ok=True)
        os.chmod(self.mail, 0o1777)
        os.chown(self.data, _uid("postfix"), _gid("postfix"))
        os.chown(self.vmail, 65534, 65534)
        os.makedirs(os.path.join(self.vmail, "virtual.test"), exist_ok=True)
        os.chown(os.path.join(self.vmail, "virtual.test"), 65534, 65534)
        self._write_config(port_logging, lifetime, extra_main or {})

    # -- configuration
    def _write_config(self, port_logging, lifetime, extra_main):
        e = self.etc
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.spool,
            "data_directory": self.data,
            "command_directory": "/usr/sbin",
            "daemon_directory": "/usr/lib/postfix/sbin",
            "shlib_directory": "/usr/lib/postfix",
            "meta_directory": "/etc/postfix",
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": HOSTNAME,
            "mydomain": "example.test",
            "myorigin": "$myhostname",
            "mydestination": "$myhostname, localhost",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            "smtpd_banner": "$myhostname ESMTP",
            "biff": "no",
            "append_dot_mydomain": "no",
            "transport_maps": "hash:%s/transport" % e,
            "default_transport": "error:no default route in this test instance",
            "relay_transport": "error:no relay route in this test instance",
            "alias_maps": "hash:%s/aliases" % e,
            "alias_database": "hash:%s/aliases" % e,
            "local_recipient_maps": "proxy:unix:passwd.byname $alias_maps",
            "mail_spool_directory": self.mail,
            "virtual_mailbox_domains": "virtual.test",
            "virtual_mailbox_base": self.vmail,
            "virtual_mailbox_maps": "hash:%s/vmailbox" % e,
            "virtual_uid_maps": "static:65534",
            "virtual_gid_maps": "static:65534",
            "virtual_minimum_uid": "100",
            "smtpd_recipient_restrictions":
                "check_recipient_access hash:%s/rcpt_access, permit_mynetworks, "
                "reject_unauth_destination" % e,
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "smtpd_data_restrictions": "check_sender_access hash:%s/sender_access" % e,
            "header_checks": "regexp:%s/header_checks" % e,
            "smtpd_client_port_logging": "yes" if port_logging else "no",
            "enable_long_queue_ids": "yes" if self.long_ids else "no",
            # everything happens within seconds
            "maximal_queue_lifetime": lifetime,
            "bounce_queue_lifetime": lifetime,
            "queue_run_delay": "1s",
            "minimal_backoff_time": "3s",
            "maximal_backoff_time": "4s",
            "smtp_connect_timeout": "5s",
            "smtp_helo_timeout": "10s",
            "in_flow_delay": "0",
            "smtpd_error_sleep_time": "0",
            "smtpd_soft_error_limit": "100",
            "smtpd_hard_error_limit": "200",
            "smtpd_client_connection_count_limit": "0",
            "smtpd_client_connection_rate_limit": "0",
            "smtpd_client_message_rate_limit": "0",
            "smtpd_client_recipient_rate_limit": "0",
            "anvil_rate_time_unit": "60s",
            "default_destination_concurrency_limit": "20",
            "initial_destination_concurrency": "10",
            "smtputf8_enable": "no",
            "notify_classes": "",
            "strict_rfc821_envelopes": "no",
            "allow_mail_to_files": "alias,forward",
            "default_privs": "nobody",
            "delay_warning_time": "0h",
        }
        if self.logging == "postlogd":
            main["maillog_file"] = self.maillog
            main["maillog_file_prefixes"] = self.logdir
        main.update(extra_main)
        with open(os.path.join(e, "main.cf"), "w") as f:
            f.write("# Generated by tests/realpostfix\n")
            for k, v in main.items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(e, "master.cf"), "w") as f:
            f.write(MASTER_CF)
        with open(os.path.join(e, "transport"), "w") as f:
            for dom, sink in TRANSPORT.items():
                ip, port = SINK_PORTS[sink]
                f.write("%s\tsmtp:[%s]:%d\n" % (dom, ip, port))
        with open(os.path.join(e, "aliases"), "w") as f:
            f.write("postmaster: nobody\n"
                    "MAILER-DAEMON: nobody\n"
                    "fwd-remote: s-fwd-target@accept.test\n"
                    "fwd-local: nobody\n")
        with open(os.path.join(e, "vmailbox"), "w") as f:
            f.write("vuser@virtual.test\tvirtual.test/vuser/\n"
                    "vbox@virtual.test\tvirtual.test/vbox\n")
        with open(os.path.join(e, "rcpt_access"), "w") as f:
            f.write("rejected.test\tREJECT 5.7.1 recipient refused by test policy\n"
                    "hostile.test\tREJECT\n"
                    "hold.test\tHOLD held by test policy\n"
                    "discard.test\tDISCARD discarded by test policy\n")
        with open(os.path.join(e, "header_checks"), "w") as f:
            f.write("/^Subject: .*REJECT-ME/ REJECT 5.7.1 header check says no\n"
                    "/^Subject: .*WARN-ME/ WARN header check warning\n")
        with open(os.path.join(e, "sender_access"), "w") as f:
            f.write("s-datareject@client.test\tREJECT 5.7.1 data refused by test policy\n")
        for m in ("transport", "vmailbox", "rcpt_access", "sender_access"):
            run(["postmap", "-c", e, "hash:%s/%s" % (e, m)])
        run(["postalias", "-c", e, "hash:%s/aliases" % e])

    # -- lifecycle
    def start(self):
        if self.logging == "syslog":
            self._start_rsyslog()
        run(["postfix", "-c", self.etc, "check"], check=False)
        run(["postfix", "-c", self.etc, "start"])
        self.started = True
        _wait_port("127.0.0.1", 25)
        _wait_port("127.0.0.1", 10025)
        _wait_port("127.0.0.1", 10026)

    def _start_rsyslog(self):
        private_dev(self.tmp)
        work = os.path.join(self.tmp, "rsyslog")
        os.makedirs(work, exist_ok=True)
        conf = os.path.join(self.etc, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(work=work, host=LOGHOST, trad=self.trad, rfc=self.rfc))
            # a test may add its own actions to this very rsyslogd (e.g. ompostfix
            # fed straight from imuxsock): the file named by PT_RSYSLOG_EXTRA_CONF
            extra = os.environ.get("PT_RSYSLOG_EXTRA_CONF")
            if extra:
                with open(extra) as x:
                    f.write(x.read())
        self.rsyslog_pidfile = os.path.join(work, "rsyslogd.pid")
        self.rsyslog = subprocess.Popen(
            ["/usr/sbin/rsyslogd", "-n", "-f", conf, "-i", self.rsyslog_pidfile],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "stderr"), "w"))
        end = time.time() + 10
        while not os.path.exists("/dev/log"):
            if self.rsyslog.poll() is not None or time.time() > end:
                raise RuntimeError("rsyslogd did not create /dev/log: %s"
                                   % open(os.path.join(work, "stderr")).read())
            time.sleep(0.05)

    def postcmd(self, *args, check=True):
        return run([args[0], "-c", self.etc] + list(args[1:]), check=check)

    def queue(self):
        """postqueue -j as a list of dicts (truth from outside the log)."""
        r = self.postcmd("postqueue", "-j", check=False)
        out = []
        for line in r.stdout.splitlines():
            line = line.strip()
            if line:
                out.append(json.loads(line))
        return out

    def wait_queue(self, pred, timeout, what):
        end = time.time() + timeout
        while True:
            q = self.queue()
            if pred(q):
                return q
            if time.time() > end:
                raise RuntimeError("timeout waiting for %s; queue: %s" % (what, json.dumps(q)[:2000]))
            time.sleep(0.2)

    def incoming_ids(self):
        return set(os.listdir(os.path.join(self.spool, "incoming"))) \
            if os.path.isdir(os.path.join(self.spool, "incoming")) else set()

    def add_sink(self, name, extra=(), dumpname=None):
        ip, port = SINK_PORTS[name]
        s = Sink(name, ip, port, os.path.join(self.tmp, "sinks", dumpname or name), extra)
        self.sinks[dumpname or name] = s
        return s

    def stop(self):
        if self.started:
            run(["postfix", "-c", self.etc, "stop"], check=False)
            # master exits asynchronously; wait by PID
            pidf = os.path.join(self.spool, "pid", "master.pid")
            end = time.time() + 10
            while time.time() < end:
                try:
                    pid = int(open(pidf).read().split()[0])
                    os.kill(pid, 0)
                except (OSError, ValueError):
                    break
                time.sleep(0.1)
            self.started = False
        for s in list(self.sinks.values()):
            try:
                s.stop()
            except Exception as ex:  # noqa
                log("stopping sink %s: %s" % (s.name, ex))
        if self.rsyslog is not None:
            time.sleep(0.3)           # let the last datagrams be written
            self.rsyslog.send_signal(signal.SIGTERM)
            try:
                self.rsyslog.wait(10)
            except subprocess.TimeoutExpired:
                self.rsyslog.kill()
            self.rsyslog = None

    def log_files(self):
        if self.logging == "postlogd":
            return [self.maillog]
        return [self.trad, self.rfc]


def _uid(name):
    import pwd
    return pwd.getpwnam(name).pw_uid


def _gid(name):
    import grp
    return grp.getgrnam(name).gr_gid


def make_tmp(prefix="realpostfix."):
    return tempfile.mkdtemp(prefix=prefix)
