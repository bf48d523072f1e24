#!/usr/bin/env bash
# The load test of `wasmgraph serve` (docs/serving.md): builds, fetches the models, compiles ResNet18 and MiniLM
# (sequence 128) into artifacts/serve-bench/, installs autocannon 9.0.0 from npm there, and runs bench/serve/loadtest.mjs
# against 127.0.0.1 only. Every phase is bounded (--seconds each, default 15; about 2.5 minutes per instance count).
#   bench/serve/run.sh [--seconds 15] [--instances 1,2]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$ROOT/artifacts/serve-bench"
"$ROOT/wasmgraph" build
bash "$ROOT/scripts/fetch-data.sh" >&2
mkdir -p "$WORK/node"
HOST="$ROOT/artifacts/host/WasmGraph.Cli.dll"
if [[ ! -f "$WORK/resnet18.wasm" ]]; then
    dotnet "$HOST" compile "$ROOT/.cache/data/resnet18/ResNet18.onnx" -o "$WORK/resnet18.wasm" >&2
fi
if [[ ! -f "$WORK/minilm.wasm" ]]; then
    dotnet "$HOST" compile "$ROOT/.cache/data/minilm/model.onnx" -o "$WORK/minilm.wasm" \
        --input-shape input_ids=1,128 --input-shape attention_mask=1,128 --input-shape token_type_ids=1,128 >&2
fi
if ! grep -qs '"version": "9.0.0"' "$WORK/node/node_modules/autocannon/package.json"; then
    command -v npm >/dev/null 2>&1 || { echo "error: npm is needed for autocannon (apt-get install -y nodejs npm)" >&2; exit 2; }
    (cd "$WORK/node" && { [[ -f package.json ]] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --silent autocannon@9.0.0 >/dev/null)
fi
export NODE_PATH="$WORK/node/node_modules"
cp "$ROOT/bench/serve/loadtest.mjs" "$WORK/node/loadtest.mjs" # ES modules resolve packages from their own folder
exec node "$WORK/node/loadtest.mjs" --host-dll "$HOST" --resnet "$WORK/resnet18.wasm" --minilm "$WORK/minilm.wasm" \
    --out "$WORK/loadtest-$(date -u +%Y%m%dT%H%M%SZ).json" "$@"
