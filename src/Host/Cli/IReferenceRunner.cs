using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Host.Cli;

/// <summary>
/// The numerical oracle <c>run --reference MODEL</c> compares a module's outputs with. The core registers none, because
/// the one we use (ONNX Runtime) is a large native dependency; src/Apps registers it through its
/// <see cref="ICliExtension"/>. Without one, <c>--reference</c> is refused before anything runs.
/// </summary>
public interface IReferenceRunner
{
    /// <summary>Shown in the comparison table's title ("vs ONNX Runtime").</summary>
    string Name { get; }

    /// <summary>Runs <paramref name="models"/> as a chain (each one's outputs feed the next one's inputs in order) and returns the last one's outputs by name.</summary>
    IReadOnlyDictionary<string, TensorData> RunChain(IReadOnlyList<string> models, IReadOnlyDictionary<string, TensorData> inputs);
}
