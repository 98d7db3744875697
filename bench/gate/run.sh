#!/usr/bin/env bash
# Compares moat-gate's SNI listener with HAProxy's req.ssl_sni allowlist, side by side on
# loopback, against the same local backend: connections per second, tunnel throughput,
# added latency p50/p99 (versus dialling the backend directly) and memory per idle tunnel.
#
# Installs nothing. Needs Debian's haproxy (apt-get install -y haproxy) and cargo.
# Builds moat-gate and the load generator in release. Loopback only; every phase is
# bounded (see the constants at the top of loadgen/src/main.rs).
#
#   bench/gate/run.sh            # from the repo root
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v haproxy >/dev/null || { echo "haproxy not found: apt-get install -y haproxy" >&2; exit 2; }

BACKEND_PORT="${BACKEND_PORT:-18900}"
HAPROXY_PORT="${HAPROXY_PORT:-18901}"
GATE_PORT="${GATE_PORT:-18902}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

echo "== building (release)" >&2
# GATE_BIN=/path/to/moat-gate skips building moat-gate (e.g. a binary built elsewhere).
if [ -z "${GATE_BIN:-}" ]; then
  (cd "$root" && cargo build --release -p moat-gate --bin moat-gate >&2)
fi
gate_bin="${GATE_BIN:-$target_dir/release/moat-gate}"
(cd "$here/loadgen" && CARGO_TARGET_DIR="$target_dir/gate-loadgen" cargo build --release >&2)
loadgen="$target_dir/gate-loadgen/release/gate-loadgen"

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "a.test" > "$work/allow.lst"
cp "$work/allow.lst" "$work/allowlist.txt"
hello="$root/crates/moat-gate/tests/fixtures/openssl3-tls13-sni-a.test.bin"

cat > "$work/haproxy.cfg" <<CFG
global
    # Each connection needs two descriptors; stay inside a 20 000 hard limit.
    maxconn 9000
    nbthread $(nproc)
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend sni_in
    bind 127.0.0.1:${HAPROXY_PORT}
    tcp-request inspect-delay 5s
    acl hello req.ssl_hello_type 1
    acl allowed req.ssl_sni -i -f ${work}/allow.lst
    tcp-request content reject if hello !allowed
    tcp-request content accept if hello
    use_backend upstream if allowed
backend upstream
    server s1 127.0.0.1:${BACKEND_PORT}
CFG

ulimit -n "$(ulimit -Hn)"
"$loadgen" backend "127.0.0.1:${BACKEND_PORT}" & pids+=($!)
haproxy -f "$work/haproxy.cfg" -db & pids+=($!); haproxy_pid=$!
"$gate_bin" --sni-listen "127.0.0.1:${GATE_PORT}" --sni-upstream-port "$BACKEND_PORT" \
  --mode enforce --allowlist "$work/allowlist.txt" \
  --resolve a.test=127.0.0.1 --allow-range 127.0.0.1/32 \
  --log "$work/gate.log" ${GATE_ARGS:-} 2> "$work/gate.stderr" & pids+=($!); gate_pid=$!
sleep 1
kill -0 "$haproxy_pid" 2>/dev/null || { echo "haproxy did not start" >&2; exit 1; }
kill -0 "$gate_pid" 2>/dev/null || { echo "moat-gate did not start:" >&2; cat "$work/gate.stderr" >&2; exit 1; }

echo "== haproxy $(haproxy -v | head -1 | awk '{print $3}'), moat-gate $("$gate_bin" --version | awk '{print $2}'), $(nproc) cores" >&2
"$loadgen" compare --hello "$hello" --direct "127.0.0.1:${BACKEND_PORT}" \
  --name-a haproxy --a "127.0.0.1:${HAPROXY_PORT}" --pid-a "$haproxy_pid" \
  --name-b moat-gate --b "127.0.0.1:${GATE_PORT}" --pid-b "$gate_pid"
echo "(moat-gate wrote $(wc -l < "$work/gate.log") decision log lines; haproxy logged nothing)"
