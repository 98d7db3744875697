#!/usr/bin/env bash
# Build the public-template corpus for bench/corpus/run.sh from local git clones (never commit
# the result: the templates belong to their projects). Usage:
#   bench/corpus/build.sh OUT_DIR CFN_LINT_GIT AWS_CFN_TEMPLATES_GIT ECS_REFARCH_GIT
# where each *_GIT is a clone (a work tree or a bare git dir) of, respectively,
#   https://github.com/aws-cloudformation/cfn-lint
#   https://github.com/aws-cloudformation/aws-cloudformation-templates
#   https://github.com/aws-samples/ecs-refarch-cloudformation
# cfn-lint: every template ever added under test/(fixtures/)templates/{good,quickstart,public,
# integration}, at its last version (its history holds many more than HEAD). The other two: every
# *.yaml/*.yml/*.json/*.template at HEAD. Paths are kept (nested stacks name their children by
# relative path).
set -euo pipefail
out="$1"; lint="$2"; tpls="$3"; refarch="$4"
mkdir -p "$out/cfn-lint" "$out/aws-cloudformation-templates" "$out/ecs-refarch"
put() { mkdir -p "$(dirname "$1")"; cat > "$1"; } # write stdin to path $1

# cfn-lint across its history: last existing version of each path.
git -C "$lint" log --no-renames --format= --name-only --diff-filter=A HEAD \
  | sort -u | grep -E '\.(ya?ml|json|template)$' \
  | grep -E '^test/(fixtures/)?templates/(good|quickstart|public|integration)/' \
  | while read -r p; do
      c=$(git -C "$lint" log -1 --format=%H HEAD -- "$p")
      if git -C "$lint" cat-file -e "$c:$p" 2>/dev/null; then rev="$c"; else rev="$c^"; fi
      git -C "$lint" show "$rev:$p" 2>/dev/null | put "$out/cfn-lint/$p"
      [ -s "$out/cfn-lint/$p" ] || rm -f "$out/cfn-lint/$p"
    done

head_files() { # git dir, destination
  git -C "$1" ls-tree -r --name-only HEAD | grep -E '\.(ya?ml|json|template)$' \
    | while read -r p; do git -C "$1" show "HEAD:$p" | put "$2/$p"; done
}
head_files "$tpls" "$out/aws-cloudformation-templates"
head_files "$refarch" "$out/ecs-refarch"
find "$out" -type f | wc -l
