#!/usr/bin/env bash
# Creates (or reuses) the virtualenv with the vendors' official Python SDKs, pinned, and prints the
# path of its python interpreter on stdout (progress goes to stderr).
#
#   PY="$(bash tests/interop/venv.sh)"          # call it ...
#   source tests/interop/venv.sh                # ... or source it: sets INTEROP_PYTHON
#
# Used by the interop scripts in this directory and by the benchmarks of the Python SDKs. A
# caller that needs more packages should install them into its own venv (set INTEROP_VENV), not
# into this one: a rebuild on a pin change would drop them.
# Environment:
#   INTEROP_VENV   where the venv lives (default: target/interop-venv in the repository)
#   PYTHON         the interpreter that creates it (default: python3; needs the venv module)
# Needs access to PyPI the first time, and whenever the pins below change (the venv is rebuilt
# when its recorded pin list differs). Concurrent callers are serialised with flock(1) when it
# exists, so two scripts never build the same venv at once.

# Pinned to the versions the research notes (shared/research) and shared/vectors were produced
# with: huaweicloudsdk* 3.1.219; alibabacloud-ecs20140526 7.11.8 on tea-openapi 0.4.6;
# alibabacloud-credentials 1.0.12 (credentials.md; the credential interop uses its providers).
CLOUDSDK_INTEROP_PINS=(
    "huaweicloudsdkcore==3.1.219"
    "huaweicloudsdkecs==3.1.219"
    "huaweicloudsdkvpc==3.1.219"
    "alibabacloud-tea-openapi==0.4.6"
    "alibabacloud-openapi-util==0.2.4"
    "darabonba-core==1.0.9"
    "alibabacloud-ecs20140526==7.11.8"
    "alibabacloud-credentials==1.0.12"
)

_cloudsdk_venv_main() {
    local root venv stamp python wanted lock
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    venv="${INTEROP_VENV:-$root/target/interop-venv}"
    stamp="$venv/.cloudsdk-pins"
    python="${PYTHON:-python3}"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1

    if ! command -v "$python" >/dev/null 2>&1; then
        echo "interop venv: $python not found; install Python 3 (3.9+) with the venv module" >&2
        return 1
    fi

    mkdir -p "$(dirname "$venv")"
    lock="$venv.lock"
    if command -v flock >/dev/null 2>&1; then
        exec {_cloudsdk_lock_fd}>"$lock"
        flock "$_cloudsdk_lock_fd"
    fi

    local status=0
    wanted="$(printf '%s\n' "${CLOUDSDK_INTEROP_PINS[@]}")"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        echo "interop venv: reusing $venv" >&2
    else
        echo "interop venv: creating $venv with ${CLOUDSDK_INTEROP_PINS[*]}" >&2
        rm -rf "$venv"
        if ! "$python" -m venv "$venv" >&2; then
            echo "interop venv: '$python -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
            status=1
        elif ! "$venv/bin/python" -m pip install --quiet "${CLOUDSDK_INTEROP_PINS[@]}" >&2; then
            rm -rf "$venv"
            echo "interop venv: pip install failed (is PyPI reachable? see the pip output above)" >&2
            status=1
        else
            printf '%s\n' "${CLOUDSDK_INTEROP_PINS[@]}" > "$stamp"
        fi
    fi

    if [[ -n "${_cloudsdk_lock_fd:-}" ]]; then
        exec {_cloudsdk_lock_fd}>&-
        unset _cloudsdk_lock_fd
    fi
    [[ $status -eq 0 ]] || return 1
    INTEROP_PYTHON="$venv/bin/python"
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: set INTEROP_PYTHON and return a status, never exit the caller's shell.
    _cloudsdk_venv_main
else
    set -euo pipefail
    _cloudsdk_venv_main || exit 1
    printf '%s\n' "$INTEROP_PYTHON"
fi
