#!/usr/bin/env bash
# Real mail servers for the integration suite (backend/integration), from Debian's own packages,
# running as private instances with every file under one directory:
#
#   Postfix  SMTP submission on a free port of 127.0.0.1: STARTTLS required, AUTH PLAIN through Dovecot's
#            SASL socket, delivery through LMTP into Dovecot.
#   Dovecot  IMAP on another free port with STARTTLS, LMTP on a unix socket. Dovecot counts a
#            connection whose source and destination addresses are the same (127.0.0.1 to
#            127.0.0.1) as secured and then accepts LOGIN without TLS: clients must insist on
#            STARTTLS themselves (Postfix, by contrast, refuses MAIL and AUTH before STARTTLS).
#
# Both use one self-signed certificate (CN and subjectAltName 127.0.0.1 and localhost) made at
# start, and one test account (sender@vouchdesk.test) whose password is random per start; mail to
# any other address at the domain is delivered too, and opens over IMAP with the same password,
# except nobody-here@vouchdesk.test, which Postfix accepts and then bounces (5.1.1), and
# full-box@vouchdesk.test, whose mailbox is always over its quota (bounced 5.2.2). Mail
# folders belong to `nobody`: no system user is created. The distribution's own postfix/dovecot
# services are neither used nor needed; the install keeps them from starting.
#
# Usage: scripts/mailservers.sh install        install the packages when missing (needs root/sudo)
#        scripts/mailservers.sh start DIR      write configs under DIR, start both, wait for the
#                                              ports, write DIR/env (shell exports for the tests)
#        scripts/mailservers.sh stop DIR       stop both and wait until they are gone
#        scripts/mailservers.sh stop-smtp DIR  stop Postfix only (outage tests)
#        scripts/mailservers.sh start-smtp DIR start Postfix again (after stop-smtp)
#        scripts/mailservers.sh logs DIR       print the servers' logs
#
# DIR/env exports VOUCHDESK_IT_SMTP_ADDR, VOUCHDESK_IT_IMAP_ADDR, VOUCHDESK_IT_USER,
# VOUCHDESK_IT_PASSWORD, VOUCHDESK_IT_CA (the certificate, for clients to verify the servers) and
# VOUCHDESK_IT_DIR (DIR, for tests that stop and start Postfix), VOUCHDESK_IT_UTF8_USER (an address
# with a non-ASCII local part that is delivered, RFC 6531), VOUCHDESK_IT_BOUNCE_ADDR (the address
# Postfix bounces) and VOUCHDESK_IT_FULL_ADDR (a mailbox over its quota). Logs: DIR/postfix.log,
# DIR/dovecot.log (and *.out for the servers' own output).
# The password is written there (mode 600) and in DIR/dovecot/passwd; it is never printed.
set -euo pipefail

# The ports are free ones chosen at start (several suites may run on one machine), kept in
# DIR/ports for the later commands; VOUCHDESK_IT_SMTP_PORT / VOUCHDESK_IT_IMAP_PORT pin them.
SMTP_PORT=${VOUCHDESK_IT_SMTP_PORT:-}
IMAP_PORT=${VOUCHDESK_IT_IMAP_PORT:-}
HOST=127.0.0.1
DOMAIN=vouchdesk.test
ACCOUNT=sender@$DOMAIN
# A customer whose address has a non-ASCII letter before the @ (RFC 6531), delivered by Postfix itself.
UTF8_USER=josé
BOUNCE_ADDR=nobody-here@$DOMAIN # the one address Postfix bounces after accepting it
FULL_ADDR=full-box@$DOMAIN      # a mailbox always over its quota
PACKAGES=(dovecot-imapd dovecot-lmtpd postfix openssl)

say() { printf '[mailservers] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

cmd_install() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages present: ${PACKAGES[*]}"
    return 0
  fi
  command -v apt-get >/dev/null || die "not a Debian/Ubuntu system: install ${missing[*]} yourself"
  say "installing ${missing[*]}"
  # Postfix's installer asks what kind of mail system this is: "No configuration" writes no
  # /etc/postfix/main.cf, so the system instance has nothing to run.
  echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
  # Keep the package scripts from starting the distribution's services (ports 25/143/993...):
  # invoke-rc.d asks policy-rc.d, and 101 means "not allowed". Only a policy we put is removed.
  local policy=/usr/sbin/policy-rc.d placed=""
  if [ ! -e "$policy" ]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    placed=1
  fi
  local rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
  [ $rc -eq 0 ] && { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null || rc=$?; }
  [ -n "$placed" ] && as_root rm -f "$policy"
  [ $rc -eq 0 ] || die "apt-get failed ($rc)"
  # On a machine with systemd, the services might have been enabled anyway: this suite never
  # depends on them, but stop them so they hold no ports. Best effort.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now dovecot.service postfix.service >/dev/null 2>&1 || true
  fi
  say "installed"
}

# --- helpers -------------------------------------------------------------------------------------

need_dir() {
  [ -n "${1:-}" ] || die "missing DIR argument"
  if [ "${2:-}" = create ]; then mkdir -p "$1"; fi
  [ -d "$1" ] || die "$1 is not a directory"
  DIR=$(cd "$1" && pwd)
  # shellcheck disable=SC1091
  if [ "${2:-}" != create ] && [ -f "$DIR/ports" ]; then . "$DIR/ports"; fi
  PF_CONF=$DIR/postfix
  PF_QUEUE=$DIR/postfix-queue
  DV_CONF=$DIR/dovecot/dovecot.conf
}

# shellcheck source=scripts/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

# check_port_free PORT WHAT: fail clearly, naming the listener when ss can, if the port answers.
check_port_free() {
  local port=$1 what=$2 who=""
  port_open "$port" || return 0
  command -v ss >/dev/null && who=$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -1)
  die "port $HOST:$port for $what is already taken${who:+ by $who} (a previous run not stopped? scripts/mailservers.sh stop DIR)"
}

# wait_port PORT SECONDS PID-CHECK-FN: until the port accepts a connection.
wait_port() {
  local port=$1 secs=$2 what=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    port_open "$port" && return 0
    sleep 0.1
  done
  say "$what did not open $HOST:$port within ${secs}s"
  return 1
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# The pid files may outlive their process (a crash, a reboot): a pid counts only while it is
# still that program.
pid_of() {
  local f=$1 comm=$2 pid
  [ -f "$f" ] || return 0
  pid=$(awk 'NR == 1 { print $1 }' "$f")
  [ -n "$pid" ] && [ "$(ps -p "$pid" -o comm= 2>/dev/null)" = "$comm" ] && echo "$pid"
  return 0
}
postfix_pid() { pid_of "$PF_QUEUE/pid/master.pid" master; }
dovecot_pid() { pid_of "$DIR/dovecot/run/master.pid" dovecot; }

# wait_gone PID SECONDS: until the process exits.
wait_gone() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  return 1
}

cmd_logs() {
  local f
  for f in "$DIR/dovecot.log" "$DIR/dovecot.out" "$DIR/postfix.log" "$DIR/postfix.out"; do
    [ -s "$f" ] || continue
    printf -- '----- %s (last 60 lines) -----\n' "$f" >&2
    tail -n 60 "$f" >&2
  done
}

fail_with_logs() {
  say "error: $*"
  cmd_logs
  exit 1
}

# --- configuration -------------------------------------------------------------------------------

write_cert() {
  # One self-signed certificate for both servers; the key must stay private (600).
  ( umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -sha256 -subj "/CN=$HOST" \
      -addext "subjectAltName=IP:$HOST,DNS:localhost" -addext "basicConstraints=critical,CA:TRUE" \
      -keyout "$DIR/key.pem" -out "$DIR/cert.pem" >"$DIR/openssl.out" 2>&1 ) \
    || fail_with_logs "openssl could not make the certificate: $(cat "$DIR/openssl.out")"
  chmod 600 "$DIR/key.pem"
  chmod 644 "$DIR/cert.pem"
}

write_dovecot() {
  mkdir -p "$DIR/dovecot/run" "$DIR/dovecot/state" "$DIR/mail"
  chown nobody:nogroup "$DIR/mail"
  # {PLAIN} keeps the file simple; it is readable by root and Dovecot's auth process only.
  # $FULL_ADDR has a quota smaller than any message: Dovecot refuses each delivery to it as a full
  # mailbox (552 5.2.2) after Postfix accepted it, and Postfix bounces it (bounce tests). The
  # file serves the passdb too, so a userdb field needs its userdb_ prefix; storage is in KiB.
  ( umask 027
    printf '%s:{PLAIN}%s::::::\n' "$ACCOUNT" "$PASSWORD" > "$DIR/dovecot/passwd"
    printf '%s:{PLAIN}%s::::::userdb_quota_rule=*:storage=1\n' "$FULL_ADDR" "$PASSWORD" >> "$DIR/dovecot/passwd" )
  chgrp dovecot "$DIR/dovecot/passwd"
  cat > "$DV_CONF" <<EOF
# Private Dovecot instance for Vouch Desk's integration tests (scripts/mailservers.sh).
base_dir = $DIR/dovecot/run
state_dir = $DIR/dovecot/state
instance_name = vouchdesk-it
hostname = mail.$DOMAIN
log_path = $DIR/dovecot.log
info_log_path = $DIR/dovecot.log
protocols = imap lmtp
listen = $HOST
shutdown_clients = yes

ssl = required
ssl_cert = <$DIR/cert.pem
ssl_key = <$DIR/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
# Any character in a user name: customers' addresses with non-ASCII letters (RFC 6531) get a
# mailbox too (the default allows only a-z, digits and .-_@).
auth_username_chars =

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/dovecot/passwd
}
# Customers' mailboxes (any other address at the domain) open with the same per-run password, so
# the end-to-end suite reads what they received over IMAP, as a mail client would.
passdb {
  driver = static
  args = password=$PASSWORD
}
userdb {
  driver = passwd-file
  args = username_format=%u $DIR/dovecot/passwd
  default_fields = uid=nobody gid=nogroup home=$DIR/mail/%d/%n
}
# Every other address at the domain (the chat tests' customers) gets a mailbox on delivery.
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DIR/mail/%d/%n allow_all_users=yes
}
mail_location = maildir:~/Maildir
mail_plugins = \$mail_plugins quota
plugin {
  quota = maildir:User quota
}
mail_privileged_group =
first_valid_uid = 1
lmtp_rcpt_check_quota = no

service imap-login {
  inet_listener imap {
    address = $HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service managesieve-login {
  inet_listener sieve {
    port = 0
  }
}
service lmtp {
  unix_listener $PF_QUEUE/private/dovecot-lmtp {
    user = postfix
    group = postfix
    mode = 0600
  }
}
service auth {
  unix_listener $PF_QUEUE/private/auth {
    user = postfix
    group = postfix
    mode = 0600
  }
}
EOF
}

write_postfix() {
  mkdir -p "$PF_CONF" "$PF_QUEUE" "$DIR/postfix-data"
  chown postfix:postfix "$DIR/postfix-data"
  cat > "$PF_CONF/main.cf" <<EOF
# Private Postfix instance for Vouch Desk's integration tests (scripts/mailservers.sh).
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $DIR/postfix-data
maillog_file = $DIR/postfix.log
maillog_file_prefixes = $DIR
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = \$mydomain
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = $HOST
inet_protocols = ipv4
alias_maps =
alias_database =
biff = no
# Long queue IDs are never reused: the tests tell Postfix's hand-overs apart by them.
enable_long_queue_ids = yes
# Addresses with non-ASCII letters before the @ (RFC 6531), as Debian's default has it.
smtputf8_enable = yes

# Mail for any address at the test domain goes through LMTP into Dovecot; anything else is refused.
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = inline:{ $UTF8_USER@$DOMAIN=$DOMAIN/$UTF8_USER/Maildir/ }, static:ok
virtual_transport = lmtp:unix:private/dovecot-lmtp
# Dovecot 2.3's LMTP does not offer SMTPUTF8, so Postfix would bounce an address with non-ASCII
# letters before the @: those go to Postfix's own virtual(8) agent instead, into the same Maildir
# Dovecot serves (home $DIR/mail/<domain>/<user>), as the mailbox's owner. virtual(8) takes no
# pattern for the path, hence the one such customer above.
# And $BOUNCE_ADDR: accepted, then bounced by Postfix itself with 5.1.1, as a relay does for an
# unknown mailbox it finds out about later; the delivery report comes back to the sender's mailbox.
transport_maps = regexp:$PF_CONF/transport
virtual_mailbox_base = $DIR/mail
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
# (An error: transport is otherwise refused at RCPT time, before any queueing.)
smtpd_reject_unlisted_recipient = no
relay_domains =
default_transport = error:this test server delivers to $DOMAIN only

# Submission: STARTTLS first, then AUTH PLAIN (checked by Dovecot), then mail.
smtpd_tls_security_level = encrypt
smtpd_tls_cert_file = $DIR/cert.pem
smtpd_tls_key_file = $DIR/key.pem
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_client_restrictions = permit_sasl_authenticated, permit
smtpd_delay_reject = yes
# A failed login answers at once (tests try wrong passwords on purpose).
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
message_size_limit = 10240000
EOF
  # The bounced address first, then a byte outside printable ASCII before the @.
  printf '%s\n' "/^${BOUNCE_ADDR//./\\.}\$/ error:5.1.1 mailbox unknown" '/^[^@]*[^ -~]/ virtual:' > "$PF_CONF/transport"
  # chroot off everywhere: nothing to copy into a jail, and the paths above work as written.
  cat > "$PF_CONF/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command
$HOST:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

write_env() {
  ( umask 077
    cat > "$DIR/env" <<EOF
export VOUCHDESK_IT_SMTP_ADDR=$HOST:$SMTP_PORT
export VOUCHDESK_IT_IMAP_ADDR=$HOST:$IMAP_PORT
export VOUCHDESK_IT_USER=$ACCOUNT
export VOUCHDESK_IT_PASSWORD=$PASSWORD
export VOUCHDESK_IT_CA=$DIR/cert.pem
export VOUCHDESK_IT_UTF8_USER=$UTF8_USER@$DOMAIN
export VOUCHDESK_IT_DIR=$DIR
export VOUCHDESK_IT_BOUNCE_ADDR=$BOUNCE_ADDR
export VOUCHDESK_IT_FULL_ADDR=$FULL_ADDR
EOF
  )
}

# --- start / stop --------------------------------------------------------------------------------

start_dovecot() {
  check_port_free "$IMAP_PORT" IMAP
  dovecot -c "$DV_CONF" -n >/dev/null 2>"$DIR/dovecot.out" || fail_with_logs "the Dovecot configuration is refused"
  # -F: in the foreground of a background job detached from our terminal and output pipes (a
  # caller reading our output must not wait for the servers).
  setsid dovecot -F -c "$DV_CONF" </dev/null >>"$DIR/dovecot.out" 2>&1 &
  wait_port "$IMAP_PORT" 20 "Dovecot" || fail_with_logs "Dovecot did not start"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -S "$PF_QUEUE/private/auth" ] && [ -S "$PF_QUEUE/private/dovecot-lmtp" ] && return 0
    sleep 0.1
  done
  fail_with_logs "Dovecot's auth/LMTP sockets did not appear in $PF_QUEUE/private"
}

start_postfix() {
  local pid; pid=$(postfix_pid || true)
  pid_alive "$pid" && die "Postfix of $DIR is already running (pid $pid)"
  check_port_free "$SMTP_PORT" SMTP
  # Creates the queue directories with their owners, and checks the configuration.
  postfix -c "$PF_CONF" check >>"$DIR/postfix.out" 2>&1 || fail_with_logs "postfix check failed"
  setsid postfix -c "$PF_CONF" start-fg </dev/null >>"$DIR/postfix.out" 2>&1 &
  wait_port "$SMTP_PORT" 20 "Postfix" || fail_with_logs "Postfix did not start"
}

stop_postfix() {
  local pid; pid=$(postfix_pid || true)
  if ! pid_alive "$pid"; then
    return 0
  fi
  postfix -c "$PF_CONF" stop >>"$DIR/postfix.out" 2>&1 || kill "$pid" 2>/dev/null || true
  wait_gone "$pid" 15 || { say "Postfix (pid $pid) did not stop: killing it"; kill -9 -- "-$pid" "$pid" 2>/dev/null || true; }
  # The smtpd processes end with the master; the port must be free for a next start.
  local i
  for ((i = 0; i < 50; i++)); do port_open "$SMTP_PORT" || return 0; sleep 0.1; done
  say "warning: $HOST:$SMTP_PORT still answers after Postfix stopped"
}

stop_dovecot() {
  local pid; pid=$(dovecot_pid || true)
  if ! pid_alive "$pid"; then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 15 || { say "Dovecot (pid $pid) did not stop: killing it"; kill -9 "$pid" 2>/dev/null || true; }
}

cmd_start() {
  for c in dovecot postfix openssl; do
    command -v "$c" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
    command -v "$c" >/dev/null || die "$c is not installed: run scripts/mailservers.sh install"
  done
  [ "$(id -u)" -eq 0 ] || die "start needs root (private Postfix/Dovecot instances switch users)"
  # Before touching anything in DIR: a running instance keeps its files.
  local pid
  pid=$(dovecot_pid || true); pid_alive "$pid" && die "Dovecot of $DIR is already running (pid $pid)"
  pid=$(postfix_pid || true); pid_alive "$pid" && die "Postfix of $DIR is already running (pid $pid)"
  [ -n "$SMTP_PORT" ] || SMTP_PORT=$(free_port)
  [ -n "$IMAP_PORT" ] || IMAP_PORT=$(free_port "$SMTP_PORT")
  printf 'SMTP_PORT=%s\nIMAP_PORT=%s\n' "$SMTP_PORT" "$IMAP_PORT" > "$DIR/ports"
  check_port_free "$SMTP_PORT" SMTP
  check_port_free "$IMAP_PORT" IMAP
  # From here on, a failure stops whatever was started.
  trap 'rc=$?; if [ $rc -ne 0 ]; then stop_postfix; stop_dovecot; fi' EXIT
  # Daemons running as nobody/postfix must reach their folders under DIR.
  chmod 755 "$DIR"
  rm -f "$DIR/env"
  : > "$DIR/dovecot.log"; : > "$DIR/postfix.log"; : > "$DIR/dovecot.out"; : > "$DIR/postfix.out"
  PASSWORD=$(openssl rand -hex 24)
  write_cert
  write_postfix
  write_dovecot
  # The queue directory (and its private/ where Dovecot puts its sockets) must exist first.
  postfix -c "$PF_CONF" check >>"$DIR/postfix.out" 2>&1 || fail_with_logs "postfix check failed"
  start_dovecot
  start_postfix
  write_env
  trap - EXIT
  say "started: SMTP $HOST:$SMTP_PORT, IMAP $HOST:$IMAP_PORT, account $ACCOUNT; env in $DIR/env"
}

cmd_stop() {
  stop_postfix
  stop_dovecot
  say "stopped"
}

main() {
  local cmd=${1:-}
  case "$cmd" in
    install) cmd_install ;;
    start) need_dir "${2:-}" create; cmd_start ;;
    stop) need_dir "${2:-}"; cmd_stop ;;
    stop-smtp) need_dir "${2:-}"; stop_postfix; say "Postfix stopped" ;;
    start-smtp) need_dir "${2:-}"; start_postfix; say "Postfix started" ;;
    logs) need_dir "${2:-}"; cmd_logs ;;
    *) die "usage: $0 install | start DIR | stop DIR | stop-smtp DIR | start-smtp DIR | logs DIR" ;;
  esac
}

PATH=$PATH:/usr/sbin:/sbin
main "$@"
