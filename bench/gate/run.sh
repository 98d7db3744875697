#!/usr/bin/env bash
# Compares moat-gate with HAProxy and Squid, side by side on loopback, against the same
# local backend: connections per second, tunnel throughput, added latency p50/p99 (versus
# dialling the backend directly) and memory per idle tunnel, as medians of RUNS (5)
# interleaved runs. Memory is sampled first, each sample in a freshly started proxy (HAProxy
# keeps freed connection memory pooled, so a warm process shows almost no growth: see
# loadgen/src/main.rs); the other figures come from one long-lived process per proxy.
#   - transparent SNI: moat-gate --sni-listen vs HAProxy's req.ssl_sni allowlist;
#   - CONNECT: moat-gate --proxy-listen (which also checks the tunnel's SNI against the
#     CONNECT host) vs Squid as a CONNECT proxy with a dstdomain allowlist and
#     `ssl_bump peek` at step 1 / `splice` on `ssl::server_name` (the SNI check Squid can do).
# Squid's transparent (intercepted) SNI mode needs NAT lookups of the original destination
# (iptables REDIRECT), which this loopback bench does not set up: not measured.
# Every proxy writes its decision/access log (moat-gate's JSON lines, Squid's access.log).
#
# Installs nothing. Needs Debian's haproxy and squid-openssl (apt-get install -y haproxy
# squid-openssl), openssl and cargo.
# Builds moat-gate and the load generator in release. Loopback only; every phase is
# bounded (see the constants at the top of loadgen/src/main.rs).
#
#   bench/gate/run.sh            # from the repo root
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v haproxy >/dev/null || { echo "haproxy not found: apt-get install -y haproxy" >&2; exit 2; }
command -v squid >/dev/null || { echo "squid not found: apt-get install -y squid-openssl" >&2; exit 2; }

BACKEND_PORT="${BACKEND_PORT:-18900}"
HAPROXY_PORT="${HAPROXY_PORT:-18901}"
GATE_PORT="${GATE_PORT:-18902}"
GATE_PROXY_PORT="${GATE_PROXY_PORT:-18903}"
SQUID_PORT="${SQUID_PORT:-18904}"
RUNS="${RUNS:-5}"
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
# Squid drops root for the `proxy` user: it must reach its files here.
chmod 755 "$work"
pids=()
cleanup() {
  # Keep Squid's own log: its failures show only there.
  cp "$work/squid-cache.log" "${TMPDIR:-/tmp}/moat-bench-squid-cache.log" 2>/dev/null || true
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

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=moat-bench-squid \
  -keyout "$work/squid.pem" -out "$work/squid.pem.crt" 2>/dev/null
cat "$work/squid.pem.crt" >> "$work/squid.pem"
echo "127.0.0.1 a.test" > "$work/hosts"
cat > "$work/squid.conf" <<CFG
http_port 127.0.0.1:${SQUID_PORT} ssl-bump tls-cert=${work}/squid.pem generate-host-certificates=off
acl CONNECT method CONNECT
acl allowed_dst dstdomain a.test
acl allowed_sni ssl::server_name a.test
acl step1 at_step SslBump1
http_access allow CONNECT allowed_dst
http_access deny all
ssl_bump peek step1
ssl_bump splice allowed_sni
ssl_bump terminate all
hosts_file ${work}/hosts
cache deny all
access_log stdio:${work}/squid-access.log
cache_log ${work}/squid-cache.log
pid_filename ${work}/squid.pid
coredump_dir ${work}
max_filedescriptors 20000
cache_effective_user proxy
shutdown_lifetime 1 seconds
CFG
touch "$work/squid-access.log" "$work/squid-cache.log"
chown proxy "$work/squid-access.log" "$work/squid-cache.log" "$work" 2>/dev/null || true

ulimit -n "$(ulimit -Hn)"
"$loadgen" backend "127.0.0.1:${BACKEND_PORT}" & pids+=($!)

# start_side NAME: starts that proxy in the background; its pid in $side_pid.
start_side() {
  case "$1" in
    haproxy-sni) haproxy -f "$work/haproxy.cfg" -db >> "$work/haproxy.stderr" 2>&1 & ;;
    moat-gate-sni)
      "$gate_bin" --sni-listen "127.0.0.1:${GATE_PORT}" --sni-upstream-port "$BACKEND_PORT" \
        --mode enforce --allowlist "$work/allowlist.txt" \
        --resolve a.test=127.0.0.1 --allow-range 127.0.0.1/32 \
        --log "$work/gate.log" ${GATE_ARGS:-} 2>> "$work/gate.stderr" & ;;
    moat-gate-connect)
      "$gate_bin" --proxy-listen "127.0.0.1:${GATE_PROXY_PORT}" \
        --mode enforce --allowlist "$work/allowlist.txt" \
        --resolve a.test=127.0.0.1 --allow-range 127.0.0.1/32 \
        --log "$work/gate-proxy.log" ${GATE_ARGS:-} 2>> "$work/gate-proxy.stderr" & ;;
    squid-connect) squid -N -f "$work/squid.conf" 2>> "$work/squid.stderr" & ;;
  esac
  side_pid=$!
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
declare -A side_spec=(
  [haproxy-sni]="127.0.0.1:${HAPROXY_PORT}@sni"
  [moat-gate-sni]="127.0.0.1:${GATE_PORT}@sni"
  [squid-connect]="127.0.0.1:${SQUID_PORT}@connect=a.test:${BACKEND_PORT}"
  [moat-gate-connect]="127.0.0.1:${GATE_PROXY_PORT}@connect=a.test:${BACKEND_PORT}"
)
order=(haproxy-sni moat-gate-sni squid-connect moat-gate-connect)
# side ADDR@MODE as NAME@ADDR@PID@MODE for the load generator.
side_arg() { local spec="${side_spec[$1]}"; echo "$1@${spec%@*}@$2@${spec##*@}"; }

echo "== memory per idle tunnel: $RUNS samples per proxy, each in a fresh process" >&2
: > "$work/idle.txt"
for ((run = 0; run < RUNS; run++)); do
  for ((k = 0; k < ${#order[@]}; k++)); do
    name="${order[$(((k + run) % ${#order[@]}))]}"
    start_side "$name"
    "$loadgen" idle --hello "$hello" --side "$(side_arg "$name" "$side_pid")" >> "$work/idle.txt" \
      || { echo "$name: idle sample failed" >&2; cat "$work/squid.stderr" "$work/squid-cache.log" "$work/gate.stderr" >&2; exit 1; }
    stop_pid "$side_pid"
  done
done

start_side haproxy-sni; pids+=("$side_pid"); haproxy_pid=$side_pid
start_side moat-gate-sni; pids+=("$side_pid"); gate_pid=$side_pid
start_side moat-gate-connect; pids+=("$side_pid"); gate_proxy_pid=$side_pid
start_side squid-connect; pids+=("$side_pid"); squid_pid=$side_pid
sleep 2
kill -0 "$squid_pid" 2>/dev/null || { echo "squid did not start:" >&2; cat "$work/squid.stderr" "$work/squid-cache.log" >&2; exit 1; }
kill -0 "$gate_proxy_pid" 2>/dev/null || { echo "moat-gate (proxy) did not start:" >&2; cat "$work/gate-proxy.stderr" >&2; exit 1; }
kill -0 "$haproxy_pid" 2>/dev/null || { echo "haproxy did not start" >&2; exit 1; }
kill -0 "$gate_pid" 2>/dev/null || { echo "moat-gate did not start:" >&2; cat "$work/gate.stderr" >&2; exit 1; }

echo "== haproxy $(haproxy -v | head -1 | awk '{print $3}'), squid $(squid -v | head -1 | awk '{print $4}'), moat-gate $("$gate_bin" --version | awk '{print $2}'), $(nproc) cores" >&2
# Squid's worker is a child of the -N process only without -N; with -N this pid serves.
"$loadgen" compare --hello "$hello" --direct "127.0.0.1:${BACKEND_PORT}" --runs "$RUNS" \
  --idle "$work/idle.txt" \
  --side "$(side_arg haproxy-sni "$haproxy_pid")" \
  --side "$(side_arg moat-gate-sni "$gate_pid")" \
  --side "$(side_arg squid-connect "$squid_pid")" \
  --side "$(side_arg moat-gate-connect "$gate_proxy_pid")"
echo "(moat-gate wrote $(cat "$work/gate.log" "$work/gate-proxy.log" | wc -l) decision log lines, squid $(wc -l < "$work/squid-access.log") access log lines; haproxy logged nothing)"
