#!/usr/bin/env bash
# Mutation testing of the orchestrator and the signers: cargo-mutants on
# crates/core/src/retry.rs, crates/core/src/runtime.rs and crates/core/src/sign/, each mutant
# tested by cloudsdk-core's own tests (cargo-mutants' default: the package that owns the file).
# Not part of CI (about 20 minutes on 2 cores); run it before and after a change to those files,
# and compare the missed counts.
#
#   bash scripts/mutants.sh          # the working tree
#   bash scripts/mutants.sh REV      # another commit, checked out in a temporary worktree
#
# Writes target/mutants/<name>/mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt)
# and prints one line of counts. Installs cargo-mutants (the version below) if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

version=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -q " ${version}\$"; then
    cargo install --locked cargo-mutants --version "${version}"
fi

# Mutants only change code: debug info would only slow every build down.
export CARGO_PROFILE_DEV_DEBUG=0

rev=${1:-}
name=working-tree
dir=${root}
if [[ -n ${rev} ]]; then
    name=$(git rev-parse --short "${rev}")
    dir=$(mktemp -d)
    git worktree add --quiet --detach "${dir}/tree" "${rev}"
    trap 'git -C "${root}" worktree remove --force "${dir}/tree"; rm -rf "${dir}"' EXIT
    dir=${dir}/tree
fi
out=${root}/target/mutants/${name}
mkdir -p "${out}"

status=0
(cd "${dir}" && cargo mutants --package cloudsdk-core --no-shuffle \
    --file crates/core/src/retry.rs \
    --file crates/core/src/runtime.rs \
    --file 'crates/core/src/sign/**' \
    --output "${out}") || status=$?
# cargo-mutants exits 2 when some mutants were missed, 3 when some timed out: counts follow.
if [[ ${status} -ne 0 && ${status} -ne 2 && ${status} -ne 3 ]]; then
    exit "${status}"
fi

count() { wc -l < "${out}/mutants.out/$1.txt"; }
echo "${name}: caught $(count caught), missed $(count missed), timeout $(count timeout), unviable $(count unviable)"
if [[ $(count missed) -gt 0 ]]; then
    echo "missed:"
    cat "${out}/mutants.out/missed.txt"
fi
