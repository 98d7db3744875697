#!/usr/bin/env bash
# Run `moat check` over every template of a corpus directory (see README.md for how to build one)
# and print the panics, the refusals (exit 2) grouped by cause, and the time.
# Usage: bench/corpus/run.sh CORPUS_DIR [--list] [--peer CMD]
#   --list: name every refused file; --peer CMD: also time `CMD FILE` on each file, interleaved
#   (e.g. --peer cfn-lint, or --peer "/path/to/old/moat check"), and print the ratio.
# MOAT=path/to/moat skips the build (default: an offline release build, `--no-default-features`).
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus="$1"; shift
if [ -z "${MOAT:-}" ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/moat-target}"
  cargo build --release -q -p moat --no-default-features
  MOAT="$CARGO_TARGET_DIR/release/moat"
fi
exec python3 bench/corpus/summarize.py "$MOAT" "$corpus" "$@"
