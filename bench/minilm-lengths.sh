#!/bin/bash
# Issue 11's MiniLM length figures: one module compiled through the public CLI with a bounded sequence
# (--input-shape input_ids=1,1..128) run at 1, 16 and 128 tokens, against the static 128-token module compiled the
# same way. Both compiles are timed and their sizes printed; then `bench lengths` (bench/Perf/LengthComparison.cs) runs
# one inference of each per round in a rotating order, as `wasmgraph run` runs them (Wasmtime, 600 s time limit), and
# prints medians and per-round ratios, wall-clock and CPU time. On a shared machine, medians of separate
# `run --repeat` calls drifted by ±40 % between calls, more than the difference measured; same-round ratios do not.
# Usage: bench/minilm-lengths.sh [ROUNDS]   (needs ./wasmgraph fetch's .cache/data/minilm)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-30}
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
MODEL=.cache/data/minilm/model.onnx
./wasmgraph build >/dev/null
compile() { local start=$SECONDS; ./wasmgraph compile "$MODEL" -o "$DIR/$1.wasm" --input-shape "$2" -q
            echo "compiled $1 ($2) in $((SECONDS - start)) s, $(stat -c %s "$DIR/$1.wasm") bytes"; }
compile bounded input_ids=1,1..128
compile static input_ids=1,128
dotnet bench/Perf/bin/Release/net10.0/WasmGraph.Bench.dll lengths "$DIR/bounded.wasm" "$DIR/static.wasm" --lengths 1,16,128 --rounds "$ROUNDS"
