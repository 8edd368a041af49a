#!/usr/bin/env bash
# Runs every check and test of the workspace. This is the README's test command and what CI runs.
#
#   bash scripts/test-all.sh            # everything
#   SKIP_INTEROP=1 bash scripts/test-all.sh   # skip the official-SDK interop step (needs PyPI)
#
# Everything it reads is inside the repository: the signing vectors are committed in
# crates/core/tests/data/.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
        step "installing rustup component ${component}"
        rustup component add "${component}"
    fi
done

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE=1
# Disk: a CI machine may have only a few GB free. Everything here is built once, so incremental
# caches are dead weight, and the workspace crates keep line tables only (backtraces still show
# file:line; the dependencies carry no debug info at all, see Cargo.toml). Measured on a clean
# clone: the target directory peaked at about 10 GB without these settings, 3.2 GB with them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"

step "cargo fmt --check"
cargo fmt --all -- --check

step "generated code is up to date (cargo xtask codegen --check)"
cargo xtask codegen --check

step "self-contained: nothing reads ../shared, published docs cite no repository-private files"
# The repository must build and test with nothing beside it; the published crates' docs and
# READMEs must not point readers at `shared/...` or at the vendor's `~~NNNN~~` link placeholders.
outside='\.\./shared|CLOUDSDK_SHARED_DIR'
if git grep -nE "$outside" -- ':!*.md' ':!scripts/test-all.sh'; then
    echo "error: the files above reach outside the repository" >&2
    exit 1
fi
published=(crates/core crates/huawei-ecs-v2 crates/huawei-vpc-v3 crates/aliyun-ecs crates/emulator)
if grep -rnE 'shared/|~~[0-9]+~~' "${published[@]}" --include='*.rs' --include='*.md' --include='*.toml' \
    --exclude-dir=target; then
    echo "error: published crate docs above cite shared/ or a ~~NNNN~~ placeholder" >&2
    exit 1
fi

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The workspace build above unifies the core's vendor features; a provider crate built on its
# own gets only its vendor's, where code the other vendor uses is dead (a warning for its users).
step "cargo clippy of each provider crate on its own (one vendor's core features)"
for c in huawei-ecs-v2 huawei-vpc-v3 aliyun-ecs; do
    cargo clippy -p "$c" --all-targets --locked --quiet -- -D warnings
done

step "fuzz targets compile (cargo check; running them: fuzz/README.md)"
cargo check --manifest-path fuzz/Cargo.toml --bins --locked --quiet

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "cargo test (unit, integration, snapshot, vector and doc tests)"
cargo test --workspace --locked

step "the five published crates package, verify and pass their own tests from the .crate alone"
bash scripts/package-check.sh

if [[ "${SKIP_INTEROP:-0}" != "1" ]]; then
    step "official SDK interoperability (signers)"
    bash tests/interop/run_signer_interop.sh
    step "official SDK interoperability (emulator: Huawei ECS/VPC/IAM and Alibaba ECS Python SDKs, and their credential libraries)"
    bash tests/interop/run_emulator_interop.sh
fi

step "all checks passed"
