#!/usr/bin/env bash
# Packages the five published crates with verification, then runs each crate's own tests from
# its `.crate` alone: the packages are unpacked into a scratch workspace that knows nothing of
# this repository (no specs/, no other crate's files), with the unpublished internal
# dependencies patched to their unpacked packages.
#
#   bash scripts/package-check.sh
#
# Run by scripts/test-all.sh. Needs the registry dependencies in the local cargo cache (the
# earlier build steps fetch them); the packaged tests resolve them offline.
set -euo pipefail
cd "$(dirname "$0")/.."

crates=(cloudsdk-core huawei-ecs-v2 huawei-vpc-v3 aliyun-ecs cloudsdk-emulator)

args=()
for c in "${crates[@]}"; do args+=(-p "$c"); done
# Verification builds the packaged crates against each other through a temporary registry, and
# cargo never rebuilds a registry crate whose version it has built before: in the shared target
# directory a second run would verify against the core packaged by the first. So packaging gets
# a target directory of its own, emptied first.
verify=target/package-verify
rm -rf "$verify"
cargo package --locked --target-dir "$verify" "${args[@]}"
packages="$verify/package"
# Only the .crate files are needed from here on; the verification build is about 1 GB.
find "$verify" -mindepth 1 -maxdepth 1 ! -name package -exec rm -rf {} +
find "$packages" -mindepth 1 -maxdepth 1 ! -name '*.crate' -exec rm -rf {} +

scratch=target/package-tests
rm -rf "$scratch"
mkdir -p "$scratch"
members=()
patches=()
for c in "${crates[@]}"; do
    version=$(cargo pkgid -p "$c" | sed 's/.*[#@]//')
    tar -xzf "$packages/$c-$version.crate" -C "$scratch"
    members+=("\"$c-$version\"")
    patches+=("$c = { path = \"$c-$version\" }")
done

{
    echo "# Written by scripts/package-check.sh: the packaged crates, tested on their own."
    echo "[workspace]"
    echo "resolver = \"3\""
    echo "members = [$(IFS=,; echo "${members[*]}")]"
    echo
    echo "[patch.crates-io]"
    printf '%s\n' "${patches[@]}"
    echo
    echo "# As in the repository's manifest, so that the registry dependencies built there are reused."
    echo "[profile.dev.package.\"*\"]"
    echo "debug = false"
} > "$scratch/Cargo.toml"
# The repository's lock file pins the registry dependencies to the versions CI already built.
cp Cargo.lock "$scratch/Cargo.lock"

# All features, so that the tests a feature gates run too (the core's replay-client tests need
# `test-util`, which its path dev-dependency on itself turns on inside the workspace only).
# Shares the repository's target directory so that registry dependencies are not built twice.
CARGO_TARGET_DIR="$PWD/target" cargo test --manifest-path "$scratch/Cargo.toml" --workspace --all-features --offline

for c in "${crates[@]}"; do
    version=$(cargo pkgid -p "$c" | sed 's/.*[#@]//')
    printf '%-20s %8s bytes\n' "$c" "$(stat -c %s "$packages/$c-$version.crate")"
done
