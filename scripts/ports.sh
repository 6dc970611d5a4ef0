# Sourced by the scripts that start private servers for the tests (mailservers.sh, postgres.sh).
# Needs HOST set and a `die` function.

# port_open PORT: something on HOST answers on PORT.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# free_port prints a port of HOST nothing uses, other than $1. It is picked below the kernel's
# ephemeral range (ip_local_port_range): a port there may be the local end of some outgoing
# connection, which a connect test does not see but which makes the server's bind fail.
free_port() {
  local p i low=32768 high
  read -r low high < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  [ "$low" -gt 11000 ] || low=32768
  for ((i = 0; i < 200; i++)); do
    p=$((10000 + RANDOM % (low - 10000)))
    [ "$p" != "${1:-}" ] || continue
    port_open "$p" && continue
    if command -v ss >/dev/null && [ -n "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then continue; fi
    echo "$p"
    return 0
  done
  die "found no free port on $HOST"
}
