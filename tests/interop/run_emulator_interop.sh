#!/usr/bin/env bash
# Official-SDK interoperability check for the emulator (and so for the protocols our SDKs speak).
#
#   bash tests/interop/run_emulator_interop.sh [extra args for emulator_interop.py, e.g. --only aliyun]
#
# Creates (or reuses) the pinned virtualenv of tests/interop/venv.sh, builds the
# `cloudsdk-emulator` binary and the `tour` example, starts two emulators on free loopback ports
# (one plain, one that also requires a security token), runs the tour against its own embedded
# emulator, and runs tests/interop/emulator_interop.py, which calls the emulators with the
# vendors' official Python SDKs (huaweicloudsdkecs, huaweicloudsdkvpc, alibabacloud-ecs20140526)
# and checks the answers against the documents' examples. Then starts two more emulators (one
# with credential-service flags, one with --no-role) and runs tests/interop/credentials_interop.py:
# the official credential libraries (alibabacloud_credentials; huaweicloudsdkcore's metadata and
# IdP providers) obtain temporary keys from the emulator and call the emulated APIs with them,
# and wrong role names / tokens must be refused. Ends with `interop: N passed, M failed` (both
# scripts' counts); exits non-zero on any failure. The emulators are always stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

AK="interop-ak-0001"
SK="interop-sk-0001-secret"
TOKEN="interop-security-token-0001"
CRED_ROLE="interop-role"
OIDC_TOKEN="interop-oidc-token-0001"
IDP_ID="interop-idp"

die() { printf 'emulator interop: %s\n' "$*" >&2; exit 1; }

VENV_PYTHON="$(bash "$ROOT/tests/interop/venv.sh")" || die "could not create the interop virtualenv"

echo "emulator interop: building cloudsdk-emulator and the tour example"
cargo build --quiet --locked -p cloudsdk-emulator --bin cloudsdk-emulator --example tour \
    || die "cargo build of cloudsdk-emulator failed"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$VENV_PYTHON" -c \
    'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$TARGET_DIR/debug/cloudsdk-emulator"
TOUR="$TARGET_DIR/debug/examples/tour"
[[ -x "$BIN" ]] || die "built binary not found at $BIN"
[[ -x "$TOUR" ]] || die "built example not found at $TOUR"

# The emulator's Huawei project id (a pub const of the library), to check IAM discovery against.
PROJECT_ID="$(grep -rhoE 'pub const [A-Z_]*PROJECT_ID: &str = "[0-9a-f]{32}"' crates/emulator/src \
    | head -n1 | sed -E 's/.*"([0-9a-f]{32})"/\1/' || true)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloudsdk-emulator-interop.XXXXXX")"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME ARGS... : starts an emulator, waits for its one stdout line, prints its base URL.
start() {
    local name="$1" line="" i
    shift
    : >"$WORK/$name.out"
    "$BIN" --listen 127.0.0.1:0 --access-key-id "$AK" --access-key-secret "$SK" "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=("$!")
    for ((i = 0; i < 300; i++)); do
        line="$(grep -m1 -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$WORK/$name.out" 2>/dev/null || true)"
        [[ -n "$line" ]] && break
        kill -0 "${PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$line" ]]; then
        cat "$WORK/$name.err" >&2
        die "emulator '$name' did not print its address"
    fi
    ENDPOINT="${line#listening on }"
}

start plain
PLAIN="$ENDPOINT"
start token --security-token "$TOKEN"
WITH_TOKEN="$ENDPOINT"
start creds --role-name "$CRED_ROLE" --oidc-token "$OIDC_TOKEN" --idp-id "$IDP_ID"
CREDS="$ENDPOINT"
start norole --no-role
NO_ROLE="$ENDPOINT"
echo "emulator interop: emulators at $PLAIN and $WITH_TOKEN (security token)${PROJECT_ID:+, project $PROJECT_ID}"

echo "emulator interop: running the tour"
if ! "$TOUR" >"$WORK/tour.out" 2>"$WORK/tour.err"; then
    cat "$WORK/tour.out" "$WORK/tour.err" >&2
    die "the tour failed"
fi

status=0
"$VENV_PYTHON" "$ROOT/tests/interop/emulator_interop.py" \
    --endpoint "$PLAIN" --ak "$AK" --sk "$SK" \
    --token-endpoint "$WITH_TOKEN" --token "$TOKEN" \
    ${PROJECT_ID:+--project-id "$PROJECT_ID"} \
    --tour-output "$WORK/tour.out" "$@" >"$WORK/api.out" 2>&1 || status=$?
cat "$WORK/api.out"

echo "emulator interop: official credential libraries against $CREDS (and $NO_ROLE, no role)"
"$VENV_PYTHON" "$ROOT/tests/interop/credentials_interop.py" \
    --endpoint "$CREDS" --ak "$AK" --sk "$SK" \
    --role "$CRED_ROLE" --oidc-token "$OIDC_TOKEN" --idp-id "$IDP_ID" \
    --project-id "${PROJECT_ID:-060576782980d5762f9ec014dd2f1148}" \
    --no-role-endpoint "$NO_ROLE" >"$WORK/credentials.out" 2>&1 || status=$?
cat "$WORK/credentials.out"

# One closing line with both scripts' counts (a script that died before its count is a failure).
passed=0
failed=0
for out in "$WORK/api.out" "$WORK/credentials.out"; do
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n1 || true)"
    if [[ -z "$counts" ]]; then
        failed=$((failed + 1))
        [[ $status -ne 0 ]] || status=1
        continue
    fi
    passed=$((passed + ${counts%% passed*}))
    failed=$((failed + $(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$counts")))
done
if [[ $status -ne 0 ]]; then
    for name in plain token creds norole; do
        echo "--- emulator '$name' stderr (last 40 lines) ---" >&2
        tail -n 40 "$WORK/$name.err" >&2 || true
    done
fi
echo "interop: $passed passed, $failed failed"
exit "$status"
