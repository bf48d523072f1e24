#!/usr/bin/env bash
# Builds (through the launcher), fetches the data the tests use, runs every test project, and prints the summary
# line CI reads, parsed from the .trx result files because `dotnet test` does not print one for the whole solution:
#   N passed, N failed[, N skipped]
# Extra arguments go to `dotnet test` (for example: --filter "FullyQualifiedName~Npy").
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/wasmgraph" build || { echo "0 passed, 1 failed"; exit 1; }
# tests/Packages.Tests restores the packages from artifacts/packages, as a third party would.
"$ROOT/wasmgraph" pack >/dev/null || { echo "error: packing failed" >&2; echo "0 passed, 1 failed"; exit 1; }
"$ROOT/wasmgraph" fetch || { echo "error: fetching test data failed" >&2; echo "0 passed, 1 failed"; exit 1; }

RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
dotnet test WasmGraph.sln -c Release --nologo --logger trx --results-directory "$RESULTS" "$@"
status=$?

# Sum the <Counters .../> element of every .trx file.
total=0; passed=0; failed=0; skipped=0; files=0
counter() { grep -o "<Counters [^>]*" "$1" | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9]\+' | head -n 1; }
while IFS= read -r -d '' trx; do
    files=$((files + 1))
    t=$(counter "$trx" total); p=$(counter "$trx" passed); f=$(counter "$trx" failed)
    e=$(counter "$trx" error); n=$(counter "$trx" notExecuted); x=$(counter "$trx" timeout); a=$(counter "$trx" aborted)
    total=$((total + ${t:-0})); passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0} + ${a:-0})); skipped=$((skipped + ${n:-0}))
done < <(find "$RESULTS" -name '*.trx' -print0)

if [[ $status -ne 0 && $failed -eq 0 ]]; then
    # The run failed without a failing test (a build error, a crashed test host): count it, so CI cannot pass.
    failed=1
fi
if [[ $files -eq 0 || $total -eq 0 ]]; then
    echo "error: no test results found in $RESULTS" >&2
    failed=$((failed > 0 ? failed : 1))
fi
if [[ $skipped -gt 0 ]]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[[ $failed -eq 0 ]]
