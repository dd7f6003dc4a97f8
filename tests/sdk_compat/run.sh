#!/usr/bin/env bash
# Official-SDK compatibility check: drives `linq-hooks sandbox` with linq-python 0.65.0
# (strict response validation). See check.py for the checks.
#
# Usage: tests/sdk_compat/run.sh [PATH_TO_LINQ_HOOKS_BINARY]
#   default binary: $CARGO_TARGET_DIR or target/, debug/linq-hooks (built with `cargo build --bin linq-hooks` if missing)
# Env:
#   SDK_VENV      virtualenv to use/reuse (default: target/sdk-venv)
#   SDK_PYTHON    interpreter used to create the venv (default: python3)
#   SDK_COMPAT_BUILD=1   always run `cargo build --bin linq-hooks` first (when no binary is given)
# Last line of output, always: `sdk-compat: N passed, M failed`; exit status non-zero on any failure.
set -euo pipefail

SDK_PKG="linq-python"
SDK_VERSION="0.65.0"
KEY_A="sdk-key-a"
KEY_B="sdk-key-b"
STARTUP_TIMEOUT=20

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${SDK_VENV:-$root/target/sdk-venv}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sdk-compat.XXXXXX")"
sandbox_pid=""
summary_done=""

stop_sandbox() {
    if [[ -n "$sandbox_pid" ]] && kill -0 "$sandbox_pid" 2>/dev/null; then
        kill "$sandbox_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$sandbox_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$sandbox_pid" 2>/dev/null || true
    fi
    if [[ -n "$sandbox_pid" ]]; then wait "$sandbox_pid" 2>/dev/null || true; fi
    sandbox_pid=""
}

finish() {
    local rc=$?
    stop_sandbox
    if [[ -z "$summary_done" ]]; then
        # aborted before check.py reported: count the setup step as the one failure
        echo "sdk-compat: aborted during setup (exit $rc)" >&2
        echo "sdk-compat: 0 passed, 1 failed"
        rc=1
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

die() { echo "sdk-compat: $*" >&2; exit 1; }

# --- 1. virtualenv with the official SDK (reused when it already has the right version) ---------
venv_ok() {
    [[ -x "$venv/bin/python" ]] &&
        "$venv/bin/python" - "$SDK_PKG" "$SDK_VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
sys.exit(0 if m.version(sys.argv[1]) == sys.argv[2] else 1)
PY
}
if venv_ok; then
    echo "sdk-compat: reusing $venv ($SDK_PKG $SDK_VERSION)"
else
    echo "sdk-compat: installing $SDK_PKG==$SDK_VERSION into $venv"
    [[ -x "$venv/bin/python" ]] || "${SDK_PYTHON:-python3}" -m venv "$venv" || die "cannot create venv $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$SDK_PKG==$SDK_VERSION" ||
        die "pip install $SDK_PKG==$SDK_VERSION failed"
    venv_ok || die "$SDK_PKG $SDK_VERSION not importable from $venv"
fi

# --- 2. the sandbox binary ----------------------------------------------------------------------
if [[ $# -ge 1 ]]; then
    bin="$1"
    [[ -x "$bin" ]] || die "not an executable: $bin"
else
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/linq-hooks"
    if [[ ! -x "$bin" || "${SDK_COMPAT_BUILD:-}" == 1 ]]; then
        echo "sdk-compat: cargo build --bin linq-hooks"
        (cd "$root" && cargo build --quiet --bin linq-hooks) || die "cargo build failed"
    fi
fi

# --- 3. start the sandbox and read its base URL from the first stdout line ----------------------
: >"$tmp/sandbox.out"
"$bin" sandbox --listen 127.0.0.1:0 --db "$tmp/sdk.db" \
    --api-key "$KEY_A" --api-key "$KEY_B" --no-seed \
    >"$tmp/sandbox.out" 2>"$tmp/sandbox.err" </dev/null &
sandbox_pid=$!

banner=""
deadline=$((SECONDS + STARTUP_TIMEOUT))
while [[ -z "$banner" ]]; do
    # `read` succeeds only once a whole line (newline included) has been written
    if IFS= read -r line <"$tmp/sandbox.out"; then
        banner="$line"
        break
    fi
    if ! kill -0 "$sandbox_pid" 2>/dev/null; then
        echo "--- sandbox stderr ---" >&2; tail -n 30 "$tmp/sandbox.err" >&2 || true
        die "sandbox exited before printing its address"
    fi
    ((SECONDS < deadline)) || {
        echo "--- sandbox stderr ---" >&2; tail -n 30 "$tmp/sandbox.err" >&2 || true
        die "no startup line from the sandbox within ${STARTUP_TIMEOUT}s"
    }
    sleep 0.1
done
base_url="$(sed -nE 's#^.* listening on (http://[^ ]+).*$#\1#p' <<<"$banner")"
[[ -n "$base_url" ]] || die "cannot find the base URL in the startup line: $banner"
echo "sdk-compat: sandbox pid $sandbox_pid at $base_url"

# --- 4. run the checks --------------------------------------------------------------------------
set +e
SDK_COMPAT_BANNER="$banner" SDK_COMPAT_KEY_A="$KEY_A" SDK_COMPAT_KEY_B="$KEY_B" \
    SDK_COMPAT_COUNTS="$tmp/counts" PYTHONDONTWRITEBYTECODE=1 \
    "$venv/bin/python" "$here/check.py" "$base_url"
check_rc=$?
set -e

passed=0
failed=1
if [[ -s "$tmp/counts" ]]; then
    read -r passed failed <"$tmp/counts"
else
    echo "sdk-compat: check.py ended without reporting (exit $check_rc)" >&2
fi
if ! kill -0 "$sandbox_pid" 2>/dev/null; then
    echo "sdk-compat: the sandbox died during the run" >&2
    failed=$((failed + 1))
fi
stop_sandbox
if ((failed > 0)) && [[ -s "$tmp/sandbox.err" ]]; then
    echo "--- sandbox stderr (last 20 lines) ---"
    tail -n 20 "$tmp/sandbox.err"
fi
summary_done=1
echo "sdk-compat: $passed passed, $failed failed"
((failed == 0 && check_rc == 0))
