#!/usr/bin/env bash
# Official-SDK interoperability check for the cloudsdk-core signers.
#
#   bash tests/interop/run_signer_interop.sh [extra args for signer_interop.py, e.g. --count 1000]
#
# Creates (or reuses) a virtualenv in target/interop-venv with the pinned official Python
# packages, builds the `sign_json` example, and runs tests/interop/signer_interop.py, which signs a
# few hundred random requests with both and compares the results. Needs python3 (with venv) and
# access to PyPI on the first run. Ends with `N passed, M failed`; exits non-zero on any mismatch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

# Pinned to the versions the research notes and shared/vectors were produced with.
PINS=(
    "huaweicloudsdkcore==3.1.219"
    "alibabacloud-tea-openapi==0.4.6"
    "alibabacloud-openapi-util==0.2.4"
    "darabonba-core==1.0.9"
)

VENV="${INTEROP_VENV:-$ROOT/target/interop-venv}"
STAMP="$VENV/.cloudsdk-pins"
PYTHON="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1

die() { printf 'signer interop: %s\n' "$*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3 (3.9+) with the venv module"

wanted="$(printf '%s\n' "${PINS[@]}")"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
    echo "signer interop: reusing $VENV"
else
    echo "signer interop: creating $VENV with ${PINS[*]}"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV" \
        || die "'$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
    if ! "$VENV/bin/python" -m pip install --quiet "${PINS[@]}"; then
        rm -rf "$VENV"
        die "pip install of ${PINS[*]} failed (is PyPI reachable? see the pip output above)"
    fi
    printf '%s\n' "${PINS[@]}" > "$STAMP"
fi

echo "signer interop: building the sign_json example"
cargo build --quiet --locked -p cloudsdk-core --example sign_json \
    || die "cargo build of the sign_json example failed"
BIN="$(cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c \
    'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/sign_json"
[[ -x "$BIN" ]] || die "built example not found at $BIN"

exec "$VENV/bin/python" "$ROOT/tests/interop/signer_interop.py" --rust-bin "$BIN" "$@"
