#!/usr/bin/env bash
# Installs the TypeScript compiler (npm typescript 7.0.2) into .cache/typescript, for the test that checks web/*.d.ts
# (tests/Web.Tests/NpmPackageTests). Prints the path of tsc. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.cache/typescript"
VERSION=7.0.2
if [[ -f "$DIR/node_modules/typescript/package.json" ]] && grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/typescript/package.json"; then
    echo "$DIR/node_modules/.bin/tsc"
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "error: npm is needed to check the TypeScript declarations (apt-get install -y nodejs npm)" >&2; exit 2; }
mkdir -p "$DIR"
echo "installing typescript@$VERSION into $DIR ..." >&2
(cd "$DIR" && { [[ -f package.json ]] || echo '{"private":true}' > package.json; } && npm install --no-audit --no-fund --silent "typescript@$VERSION" >/dev/null)
echo "$DIR/node_modules/.bin/tsc"
