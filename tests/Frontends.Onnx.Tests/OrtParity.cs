using System.Collections.Immutable;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// Compiles a tiny model through the real pipeline (import → LLVM → wasm → Wasmtime) and compares its outputs with
/// ONNX Runtime's, or with expected tensors where ONNX Runtime has no kernel for the op.
/// </summary>
internal static class OrtParity
{
    public static IReadOnlyDictionary<string, TensorData> Run(OnnxModelBuilder model, IReadOnlyDictionary<string, TensorData> inputs)
        => WasmPipeline.CompileAndRun(WasmPipeline.Import(model.ToBytes()), inputs);

    /// <summary>Float outputs within <paramref name="tolerance"/> × max|expected|, integer outputs exactly.</summary>
    public static void AssertMatchesOnnxRuntime(OnnxModelBuilder model, IReadOnlyDictionary<string, TensorData> inputs, double tolerance)
        => AssertMatches(OnnxRuntimeOracle.Run(model.ToBytes(), inputs), Run(model, inputs), tolerance);

    public static void AssertMatches(IReadOnlyDictionary<string, TensorData> expected, IReadOnlyDictionary<string, TensorData> actual, double tolerance)
    {
        foreach (var (name, reference) in expected)
        {
            Assert.True(actual.ContainsKey(name), $"output '{name}' is missing");
            if (reference.Type.ElementType is DataType.Float32 or DataType.Float64)
            {
                TensorAssert.Close(reference, actual[name], tolerance, $"output '{name}'");
            }
            else
            {
                TensorAssert.Exact(reference, actual[name], $"output '{name}'");
            }
        }
    }

    public static ImmutableDictionary<string, TensorData> Inputs(params (string Name, TensorData Data)[] inputs)
        => inputs.ToImmutableDictionary(i => i.Name, i => i.Data);

    /// <summary>Uniform integers in [low, high] of an 8-bit type (or int32), from a seed.</summary>
    public static TensorData RandomIntegers(DataType type, long[] dims, int low, int high, int seed)
    {
        var random = new Random(seed);
        var shape = new Shape(dims);
        var values = Enumerable.Range(0, (int)shape.ElementCount).Select(_ => (long)random.Next(low, high + 1)).ToArray();
        return Abstractions.Ops.ConstantMath.FromLongs(type, shape, values);
    }
}
