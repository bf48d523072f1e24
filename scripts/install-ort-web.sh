#!/usr/bin/env bash
# Installs the WebAssembly peer for `./wasmgraph bench`: onnxruntime-web 1.30.0 (npm) into .cache/node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The benchmark chart names a font file (docs/benchmarks.png); Debian's DejaVu fonts provide it.
if [[ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1 || echo "warning: fonts-dejavu-core not installed; the chart will have no text" >&2
    else
        echo "warning: install fonts-dejavu-core (apt-get install -y fonts-dejavu-core) for the chart's text" >&2
    fi
fi
DIR="$ROOT/.cache/node"
if [[ -f "$DIR/node_modules/onnxruntime-web/package.json" ]] && grep -q '"version": "1.30.0"' "$DIR/node_modules/onnxruntime-web/package.json"; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "error: npm is needed for the onnxruntime-web peer (apt-get install -y nodejs npm)" >&2; exit 2; }
mkdir -p "$DIR"
echo "installing onnxruntime-web@1.30.0 into $DIR ..." >&2
(cd "$DIR" && npm install --no-audit --no-fund --silent onnxruntime-web@1.30.0 >/dev/null)
