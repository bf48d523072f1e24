using Microsoft.ML.OnnxRuntime;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Bench.Engines;

/// <summary>ONNX Runtime native (CPU, all graph optimisations, 1 intra-op thread): the native peer.</summary>
public sealed class OrtNativeEngine : IDisposable
{
    private readonly SessionOptions _options = new() { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
    private readonly List<InferenceSession> _chain = new();

    /// <summary>A model, or a preprocessing model followed by the model (outputs feed inputs in order).</summary>
    public OrtNativeEngine(BenchModel model)
    {
        if (model.Prepend is not null)
        {
            _chain.Add(new InferenceSession(model.Prepend, _options));
        }
        _chain.Add(new InferenceSession(model.Path, _options));
    }

    public void Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        var current = inputs.Values.ToList();
        foreach (var session in _chain)
        {
            var values = session.InputNames.Select((n, i) => ToOrt(inputs.TryGetValue(n, out var v) ? v : current[i])).ToList();
            using var outputs = session.Run(new RunOptions(), session.InputNames, values, session.OutputNames);
            current = outputs.Select((o, i) => FromOrt(o)).ToList();
            values.ForEach(v => v.Dispose());
        }
    }

    private static OrtValue ToOrt(TensorData t)
    {
        var shape = t.Type.Shape.Dims.ToArray();
        return t.Type.ElementType switch
        {
            DataType.Float32 => OrtValue.CreateTensorValueFromMemory(t.AsSpan<float>().ToArray(), shape),
            DataType.Int64 => OrtValue.CreateTensorValueFromMemory(t.AsSpan<long>().ToArray(), shape),
            DataType.Int32 => OrtValue.CreateTensorValueFromMemory(t.AsSpan<int>().ToArray(), shape),
            _ => OrtValue.CreateTensorValueFromMemory(t.Bytes.ToArray(), shape),
        };
    }

    private static TensorData FromOrt(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return TensorData.FromFloats(new Shape(info.Shape), value.GetTensorDataAsSpan<float>());
    }

    public void Dispose()
    {
        _chain.ForEach(s => s.Dispose());
        _options.Dispose();
    }
}
