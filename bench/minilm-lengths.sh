#!/bin/bash
# Issue 11's MiniLM length figures through the public CLI: one module compiled with a bounded sequence
# (--input-shape input_ids=1,1..128) run at 1, 16 and 128 tokens, against today's static 128-token module,
# in alternated rounds (median of `run --repeat N` each), so that ratios are read within one round.
# Usage: bench/minilm-lengths.sh [ROUNDS] [REPEAT]   (needs ./wasmgraph fetch's .cache/data/minilm and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; REPEAT=${2:-10}
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
MODEL=.cache/data/minilm/model.onnx
./wasmgraph compile "$MODEL" -o "$DIR/bounded.wasm" --input-shape input_ids=1,1..128 -q
./wasmgraph compile "$MODEL" -o "$DIR/static.wasm" --input-shape input_ids=1,128 -q
python3 - "$DIR" <<'PY'
import struct, sys
def npy(path, n, values):
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, %d), }" % n
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack("<%dq" % n, *values))
for n in (1, 16, 128):
    ids = ([101] + [2000 + (i * 37) % 3000 for i in range(n - 2)] + [102])[:n] if n > 1 else [101]
    npy(f"{sys.argv[1]}/ids{n}.npy", n, ids); npy(f"{sys.argv[1]}/mask{n}.npy", n, [1] * n); npy(f"{sys.argv[1]}/types{n}.npy", n, [0] * n)
PY
run() { ./wasmgraph run "$DIR/$1.wasm" -i input_ids="$DIR/ids$2.npy" -i attention_mask="$DIR/mask$2.npy" -i token_type_ids="$DIR/types$2.npy" \
          --repeat "$REPEAT" 2>&1 | grep -oE "median of [0-9]+ runs [0-9.]+ ms"; }
for round in $(seq "$ROUNDS"); do
  for n in 1 16 128; do echo "round $round  bounded 1..128 at $n tokens: $(run bounded $n)"; done
  echo "round $round  static 128 at 128 tokens: $(run static 128)"
done
