#!/usr/bin/env bash
# Renews the lock files from pyproject.toml with uv (the version pinned in the `dev` extra).
#   bash requirements/compile.sh            keep every pin that still satisfies pyproject.toml
#   bash requirements/compile.sh --upgrade  move every pin to the newest release within its range
#   bash requirements/compile.sh --check    fail if a lock file is not what pyproject.toml gives
set -euo pipefail
cd "$(dirname "$0")"
COMMON=(--universal --python-version 3.11 --generate-hashes --quiet)
EXTRAS=(--extra test --extra dev --extra docs --extra bench --extra tracing)
compile() {  # compile OUTPUT [uv options…]
    local out=$1
    shift
    uv pip compile ../pyproject.toml "${COMMON[@]}" "$@" -o "$out"
}
case "${1:-}" in
    --check)
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        for lock in runtime dev; do
            cp "$lock.txt" "$tmp/$lock.txt"
        done
        (cd "$tmp" && cp "$OLDPWD/../pyproject.toml" . && \
            uv pip compile pyproject.toml "${COMMON[@]}" -o runtime.txt && \
            uv pip compile pyproject.toml "${COMMON[@]}" "${EXTRAS[@]}" -o dev.txt)
        for lock in runtime dev; do
            if ! diff -q <(grep -v '^ *#' "$lock.txt") <(grep -v '^ *#' "$tmp/$lock.txt") >/dev/null; then
                echo "requirements/$lock.txt is out of date with pyproject.toml: run bash requirements/compile.sh" >&2
                diff <(grep -v '^ *#' "$lock.txt") <(grep -v '^ *#' "$tmp/$lock.txt") | head -20 >&2
                exit 1
            fi
        done
        echo "requirements/*.txt match pyproject.toml"
        ;;
    --upgrade | "")
        compile runtime.txt ${1:+"$1"}
        compile dev.txt "${EXTRAS[@]}" ${1:+"$1"}
        ;;
    *)
        echo "usage: bash requirements/compile.sh [--upgrade|--check]" >&2
        exit 2
        ;;
esac
