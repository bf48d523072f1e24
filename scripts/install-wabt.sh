#!/usr/bin/env bash
# Installs npm wabt 1.0.39 (the WebAssembly Binary Toolkit built to JavaScript) into .cache/wabt, for the web tests
# that assemble their fixture modules from WebAssembly text (web/test/wat.mjs). It is web/package.json's one
# devDependency; like the other dev tools it lives in the git-ignored .cache, so the repository carries no
# node_modules. Prints the node_modules directory. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.cache/wabt"
VERSION="$(node -p "require(process.argv[1]).devDependencies.wabt" "$ROOT/web/package.json")"
if [[ -f "$DIR/node_modules/wabt/package.json" ]] && grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/wabt/package.json"; then
    echo "$DIR/node_modules"
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "error: npm is needed to install wabt for the web tests (apt-get install -y nodejs npm)" >&2; exit 3; }
mkdir -p "$DIR"
echo "installing wabt@$VERSION into $DIR ..." >&2
if ! log="$(cd "$DIR" && { [[ -f package.json ]] || echo '{"private":true}' > package.json; } && npm install --no-audit --no-fund --loglevel=error "wabt@$VERSION" 2>&1)"; then
    echo "$log" >&2
    echo "error: npm install wabt failed" >&2
    exit 3
fi
echo "$DIR/node_modules"
