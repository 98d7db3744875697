#!/usr/bin/env bash
# Builds a statically linked `moat-gate` for `moat image build-gate --binary PATH` (the egress
# gateway's image on an empty base, no Docker) and prints its path.
#
#   scripts/build-gate-static.sh [TARGET-TRIPLE]      # default: this machine's (x86_64-unknown-linux-gnu)
#   moat image build-gate 123456789012.dkr.ecr.eu-west-1.amazonaws.com/moat-gate:0.1.0 \
#     --binary "$(scripts/build-gate-static.sh)"
#
# The glibc target with `-C target-feature=+crt-static` needs nothing beyond the Rust toolchain
# and the C compiler already used for mimalloc (a musl target would need `rustup target add` and
# musl-gcc). Name resolution still works in the static binary: glibc >= 2.34 has the `files`
# and `dns` NSS modules inside libc; see crates/moat-image/src/gate_image.rs. For arm64
# (Graviton) tasks, build on an arm64 machine: aarch64-unknown-linux-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."

triple="${1:-$(rustc -vV | sed -n 's/^host: //p')}"
target_dir="${CARGO_TARGET_DIR:-target}"
# The flag only for the target (build scripts and proc macros stay dynamic, as they must).
flags_var="CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
export "$flags_var"="-C target-feature=+crt-static"
CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols \
  cargo build --release --locked -p moat-gate --bin moat-gate --target "$triple" >&2
realpath "$target_dir/$triple/release/moat-gate"
