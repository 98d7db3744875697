#!/usr/bin/env bash
# Benchmark: `moat check` vs `cfn-lint` on the same ~480-resource isolated-VPC template.
# Prints the median wall time of each and the ratio. Needs cfn-lint on PATH (or MOAT_CFN_LINT);
# scripts/test.sh installs it in a venv. Usage: bench/check/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/moat-target}"
cfn_lint="${MOAT_CFN_LINT:-$(command -v cfn-lint)}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

cargo build --release -q -p moat --no-default-features  # check needs no AWS SDK
moat="$CARGO_TARGET_DIR/release/moat"
python3 bench/check/gen_template.py > "$tmp/big.yml"
resources=$(grep -c '^  [A-Za-z0-9]*:$' "$tmp/big.yml")

# median wall time in milliseconds of `runs` runs of a command (stdout discarded; the exit code of
# a check with findings is fine).
median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.2f\n", m/1000}'
}

"$moat" check "$tmp/big.yml" --format json > "$tmp/moat.json" || true
findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$tmp/moat.json")
moat_ms=$(median_ms "$moat" check "$tmp/big.yml")
lint_ms=$(median_ms "$cfn_lint" "$tmp/big.yml")
echo "template: $resources resources; moat findings: $findings; runs: $runs each (median wall time)"
printf '%-10s %10s ms\n' "moat" "$moat_ms" "cfn-lint" "$lint_ms"
awk -v a="$lint_ms" -v b="$moat_ms" 'BEGIN { printf "moat is %.0fx faster than cfn-lint\n", a / b }'
