#!/usr/bin/env bash
# Installs the WebAssembly peer for `./wasmgraph bench`: onnxruntime-web 1.30.0 (npm) into .cache/node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.cache/node"
if [[ -f "$DIR/node_modules/onnxruntime-web/package.json" ]] && grep -q '"version": "1.30.0"' "$DIR/node_modules/onnxruntime-web/package.json"; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "error: npm is needed for the onnxruntime-web peer (apt-get install -y nodejs npm)" >&2; exit 2; }
mkdir -p "$DIR"
echo "installing onnxruntime-web@1.30.0 into $DIR ..." >&2
(cd "$DIR" && npm install --no-audit --no-fund --silent onnxruntime-web@1.30.0 >/dev/null)
