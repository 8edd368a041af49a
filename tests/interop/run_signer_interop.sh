#!/usr/bin/env bash
# Official-SDK interoperability check for the cloudsdk-core signers.
#
#   bash tests/interop/run_signer_interop.sh [extra args for signer_interop.py, e.g. --count 1000]
#
# Creates (or reuses) the virtualenv of tests/interop/venv.sh (target/interop-venv) with the
# pinned official Python packages, builds the `sign_json` example, and runs
# tests/interop/signer_interop.py, which signs a few hundred random requests with both and
# compares the results. Needs python3 (with venv) and
# access to PyPI on the first run. Ends with `N passed, M failed`; exits non-zero on any mismatch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1

die() { printf 'signer interop: %s\n' "$*" >&2; exit 1; }

# The shared, pinned virtualenv (tests/interop/venv.sh prints its python).
VENV_PYTHON="$(bash "$ROOT/tests/interop/venv.sh")" || die "could not create the interop virtualenv"

echo "signer interop: building the sign_json example"
cargo build --quiet --locked -p cloudsdk-core --example sign_json \
    || die "cargo build of the sign_json example failed"
BIN="$(cargo metadata --format-version 1 --no-deps | "$VENV_PYTHON" -c \
    'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/sign_json"
[[ -x "$BIN" ]] || die "built example not found at $BIN"

exec "$VENV_PYTHON" "$ROOT/tests/interop/signer_interop.py" --rust-bin "$BIN" "$@"
