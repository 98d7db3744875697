#!/bin/sh
# Run by build_gate.rs as `unshare -n sh check.sh ROOT` (a private network namespace: its own
# loopback, nothing else): the gateway, chrooted into the unpacked image ROOT as its user,
# resolves a name that only DNS knows (the image's /etc/hosts does not), through the static
# binary's getaddrinfo and the image's /etc/nsswitch.conf, asking the responder that
# ROOT/etc/resolv.conf names. Prints the CONNECT status line, the queries and the decisions.
set -eu
ROOT=$1
HERE=$(dirname "$0")
ip link set lo up
python3 "$HERE/responder.py" "$ROOT/tmp/dns-queries.log" &
DNS=$!
python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7777)); s.listen(5)
while True:
    c, _ = s.accept(); c.close()' &
UPSTREAM=$!
# Wait for the responder (it logs "ready" once bound) and the upstream listener.
for _ in $(seq 100); do
  grep -qs ready "$ROOT/tmp/dns-queries.log" && python3 -c 'import socket; socket.create_connection(("127.0.0.1", 7777), 1)' 2>/dev/null && break
  sleep 0.1
done
chroot --userspec=65532:65532 "$ROOT" /usr/local/bin/moat-gate --proxy-listen 127.0.0.1:3128 \
  --mode enforce --allow upstream.moat-test.example:7777 --allow-range 127.0.0.0/8 \
  --log /tmp/dns-decisions.log 2>/dev/null &
GATE=$!
trap 'kill $GATE $DNS $UPSTREAM 2>/dev/null || true' EXIT
python3 - <<'PY'
import socket, time
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", 3128), timeout=5); break
    except OSError:
        time.sleep(0.1)
s.sendall(b"CONNECT upstream.moat-test.example:7777 HTTP/1.1\r\nHost: upstream.moat-test.example:7777\r\n\r\n")
head = b""
while not head.endswith(b"\r\n\r\n"):
    b = s.recv(1)
    if not b:
        break
    head += b
print("status:", head.split(b"\r\n")[0].decode())
s.close()
PY
sleep 0.5
cat "$ROOT/tmp/dns-queries.log"
cat "$ROOT/tmp/dns-decisions.log" 2>/dev/null || true
