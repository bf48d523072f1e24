#!/usr/bin/env bash
# Packs web/ as the npm package 'wasmgraph' (web/package.json) into DIR (default artifacts/packages/) and prints the
# tarball's path. The version must be the .NET packages' (<Version> in Directory.Build.props; .NET's default 1.0.0
# when it is not set there), so both ecosystems ship the same number; a mismatch is an error, not a silent drift.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/artifacts/packages}"
command -v npm >/dev/null 2>&1 || { echo "error: npm is needed to pack web/ (apt-get install -y nodejs npm)" >&2; exit 2; }
dotnet_version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$ROOT/Directory.Build.props" | head -n 1)"
dotnet_version="${dotnet_version:-1.0.0}"
npm_version="$(node -p "require(process.argv[1]).version" "$ROOT/web/package.json")"
if [[ "$npm_version" != "$dotnet_version" ]]; then
    echo "error: web/package.json has version $npm_version but Directory.Build.props has $dotnet_version; set web/package.json's \"version\" to $dotnet_version" >&2
    exit 2
fi
mkdir -p "$DEST"
tarball="$(cd "$ROOT" && npm pack ./web --pack-destination "$DEST" --silent | tail -n 1)"
echo "$DEST/$tarball"
