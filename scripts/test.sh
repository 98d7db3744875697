#!/usr/bin/env bash
# Runs every test of moat on a fresh Debian machine: installs what the tests need (Graphviz,
# Chromium, HAProxy, iproute2; a Python venv with cfn-lint, moto[server] and checkov), then formatting,
# clippy and the whole test suite. Safe to re-run: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/moat-target}"
VENV="${MOAT_VENV:-$HOME/.cache/moat-venv}"

step() { printf '\n==> %s\n' "$*"; }

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# moat-image's tests: local OCI registries (one behind htpasswd basic auth, bcrypt)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
if ((${#missing[@]})); then
  step "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Pinned: the moto tests assert on what moto's CloudFormation and EC2 emulation do, and the
# synth tests on cfn-lint's and checkov's verdicts; all change between releases.
PY_TOOLS=(cfn-lint==1.58.0 'moto[server]==5.2.5' checkov==3.3.30)
PY_STAMP="$VENV/.moat-tools"
if [ ! -x "$VENV/bin/cfn-lint" ] || [ ! -x "$VENV/bin/moto_server" ] || [ ! -x "$VENV/bin/checkov" ] \
  || [ "$(cat "$PY_STAMP" 2>/dev/null)" != "${PY_TOOLS[*]}" ]; then
  step "creating the Python venv $VENV (${PY_TOOLS[*]})"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "${PY_TOOLS[@]}"
  echo "${PY_TOOLS[*]}" > "$PY_STAMP"
fi
export MOAT_CFN_LINT="$VENV/bin/cfn-lint"
export MOAT_CHECKOV="$VENV/bin/checkov"
# moto_server with moat's documented corrections to moto (scripts/moto_server.py says which, and why)
export MOAT_VENV="$VENV"
export MOAT_MOTO_SERVER="$PWD/scripts/moto-server"
export PATH="$VENV/bin:$PATH"

# aws-cdk-lib for the CDK test (crates/moat/tests/cdk.rs), pinned: its synthesized templates are
# what the test's assertions are about.
CDK_DIR="${MOAT_CDK_DIR:-$HOME/.cache/moat-cdk}"
CDK_LIB="aws-cdk-lib@2.276.0"
CDK_CONSTRUCTS="constructs@10.8.1"
if ! grep -qs '"version": "2.276.0"' "$CDK_DIR/node_modules/aws-cdk-lib/package.json"; then
  step "installing $CDK_LIB and $CDK_CONSTRUCTS into $CDK_DIR"
  mkdir -p "$CDK_DIR"
  [ -f "$CDK_DIR/package.json" ] || echo '{"private": true}' > "$CDK_DIR/package.json"
  npm install --prefix "$CDK_DIR" --no-audit --no-fund --silent "$CDK_LIB" "$CDK_CONSTRUCTS"
fi
export MOAT_CDK_NODE_PATH="$CDK_DIR/node_modules"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
# the offline build (no AWS SDK) that the README's quick start uses
cargo clippy -p moat --no-default-features --all-targets --locked -- -D warnings

# moat-image's build-gate test pushes, pulls and runs the gateway's image: it needs the
# statically linked moat-gate (release, glibc crt-static), which this script builds.
step "building the static moat-gate (scripts/build-gate-static.sh)"
MOAT_GATE_STATIC_BINARY="$(scripts/build-gate-static.sh)"
export MOAT_GATE_STATIC_BINARY

step "cargo test"
cargo test --workspace --locked
