#!/usr/bin/env bash
# Makes the headless-browser test's tools available (see /work/shared/docs/TOOLCHAIN.md, "Headless browser tests"):
#   - Debian's chromium at /usr/bin/chromium (installed with apt-get when running as root and missing; browsers cannot
#     be downloaded here, so `npx playwright install` is not an option);
#   - npm playwright-core, installed into .cache/node (git-ignored) so the repository carries no node_modules.
# Idempotent and quiet when everything is there. Prints the two paths on success:
#   chromium=/usr/bin/chromium
#   node_modules=<repo>/.cache/node/node_modules
# Exits 3 (not 1) when a tool cannot be had, so a caller can tell "unavailable" from "broken".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.cache/node"
PLAYWRIGHT_VERSION="1.65.1"

if [[ ! -x /usr/bin/chromium ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "chromium missing; install with: sudo apt-get install -y chromium" >&2
        exit 3
    fi
    log="$(mktemp)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        echo "error: apt-get install chromium failed" >&2
        exit 3
    fi
    rm -f "$log"
fi

if [[ ! -f "$TOOLS/node_modules/playwright-core/package.json" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "npm missing: cannot install playwright-core" >&2; exit 3; }
    mkdir -p "$TOOLS"
    [[ -f "$TOOLS/package.json" ]] || echo '{ "name": "wasmgraph-tools", "private": true }' >"$TOOLS/package.json"
    if ! log="$(cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION" 2>&1)"; then
        echo "$log" >&2
        echo "error: npm install playwright-core failed" >&2
        exit 3
    fi
fi

echo "chromium=/usr/bin/chromium"
echo "node_modules=$TOOLS/node_modules"
