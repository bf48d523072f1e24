using WasmGraph.Abstractions;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>
/// The two system tools the backend needs: libLLVM 19 (Debian <c>libllvm19</c>) and wasm-ld-19 (<c>lld-19</c>). Checked
/// before a model is read (<see cref="LlvmWasmBackend.CheckOptions"/>), so a machine without them gets one user error
/// naming the packages instead of a DllNotFoundException halfway through a compile: the CLI installed as a dotnet tool
/// and the WasmGraph.Compiler package run where the launcher's prerequisite check never did.
/// </summary>
internal static class Toolchain
{
    public static void Require()
    {
        var missing = new List<(string What, string Package)>();
        if (!LlvmNative.IsAvailable)
        {
            missing.Add(("LLVM 19 (libLLVM.so.19.1)", "libllvm19"));
        }
        if (WasmLinker.TryFindLinker() is null)
        {
            var overridden = Environment.GetEnvironmentVariable("WASMGRAPH_WASM_LD") is { Length: > 0 } env ? $" (WASMGRAPH_WASM_LD={env} does not exist)" : "";
            missing.Add(($"wasm-ld-19{overridden}", "lld-19"));
        }
        if (missing.Count > 0)
        {
            throw new WasmGraphException(
                $"the llvm-wasm backend needs {string.Join(" and ", missing.Select(m => m.What))}, which {(missing.Count == 1 ? "is" : "are")} not installed; " +
                $"on Debian or Ubuntu: sudo apt-get install -y {string.Join(' ', missing.Select(m => m.Package))}");
        }
    }
}
