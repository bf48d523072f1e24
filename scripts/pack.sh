#!/usr/bin/env bash
# ./wasmgraph pack: the NuGet packages and the npm package of web/ (scripts/pack-npm.sh) into artifacts/packages/.
# The launcher has built the solution (Release) before this runs; the version is the one in Directory.Build.props.
#   WasmGraph.Abstractions  the plugin SDK                      (src/Abstractions)
#   WasmGraph.Onnx          the ONNX codec the compiler uses    (src/Onnx)
#   WasmGraph.Compiler      compile from .NET code              (src/Host, with the frontend, passes and backend plugins)
#   WasmGraph.Runtime       run a module from .NET              (plugins/Runtimes.Wasmtime)
#   WasmGraph.Cli           the CLI as a dotnet tool            (src/Cli, with every built-in plugin)
#   WasmGraph.Templates     dotnet new wasmgraph-pass           (templates/)
set -euo pipefail
case "${1:-}" in
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) echo "error: pack takes no arguments (got '$1'); see ./wasmgraph pack --help" >&2; exit 2 ;;
esac
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/artifacts/packages"

# Start empty, so the folder (a local NuGet feed) never offers a stale package beside the new ones.
rm -rf "$OUT"
mkdir -p "$OUT"
run_quiet() {
    local log; log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        echo "error: $* failed (output above)" >&2
        exit 2
    fi
    rm -f "$log"
}
echo "packing NuGet packages ..." >&2
run_quiet dotnet pack "$ROOT/WasmGraph.sln" -c Release --no-build -nologo -v q
run_quiet dotnet pack "$ROOT/templates/WasmGraph.Templates.csproj" -c Release -nologo -v q
echo "packing the npm package of web/ ..." >&2
run_quiet bash "$ROOT/scripts/pack-npm.sh" "$OUT" # checks that its version is Directory.Build.props's
ls -l "$OUT" | awk 'NR > 1 { printf "%10d  %s\n", $5, $9 }'
