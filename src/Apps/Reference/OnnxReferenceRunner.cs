using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.Cli;

namespace WasmGraph.Apps.Reference;

/// <summary>
/// ONNX Runtime as the numerical oracle for <c>run --reference</c> and the demo: one model, or a chain of models
/// (a preprocessing model first) where each one's outputs feed the next one's inputs in order. One intra-op thread,
/// so comparisons and timings are about the engines, not about how many cores a host has. Sessions are created once,
/// so repeated runs time inference alone.
/// </summary>
public sealed class OnnxReferenceSession : IDisposable
{
    private readonly List<(string Path, InferenceSession Session)> _chain = new();
    // Warnings off: ONNX Runtime logs every unused initializer of exported models (BlazeFace has several) to the console.
    private readonly SessionOptions _options = new() { IntraOpNumThreads = 1, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };

    public OnnxReferenceSession(IReadOnlyList<string> modelPaths)
    {
        foreach (var path in modelPaths)
        {
            if (!File.Exists(path))
            {
                Dispose();
                throw new WasmGraphException($"{path}: reference model not found");
            }
            try
            {
                _chain.Add((path, new InferenceSession(path, _options)));
            }
            catch (OnnxRuntimeException e)
            {
                Dispose();
                throw new WasmGraphException($"{path}: ONNX Runtime cannot load the reference model: {e.Message}", e);
            }
        }
    }

    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        var current = Run(_chain[0].Path, _chain[0].Session, inputs);
        for (int i = 1; i < _chain.Count; i++)
        {
            var (path, session) = _chain[i];
            if (session.InputNames.Count != current.Count)
            {
                throw new WasmGraphException($"{path}: takes {session.InputNames.Count} inputs but {_chain[i - 1].Path} produces {current.Count} outputs");
            }
            var values = current.Values.ToList();
            current = Run(path, session, session.InputNames.Select((n, k) => (n, values[k])).ToDictionary(p => p.n, p => p.Item2, StringComparer.Ordinal));
        }
        return current;
    }

    private static Dictionary<string, TensorData> Run(string path, InferenceSession session, IReadOnlyDictionary<string, TensorData> inputs)
    {
        var missing = session.InputNames.Where(n => !inputs.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new WasmGraphException($"{path}: the reference model needs inputs the module does not have: {string.Join(", ", missing)}");
        }
        var values = session.InputNames.Select(n => OnnxReferenceRunner.ToOrtValue(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, session.InputNames, values, session.OutputNames);
            var result = new Dictionary<string, TensorData>(StringComparer.Ordinal);
            for (int i = 0; i < session.OutputNames.Count; i++)
            {
                result[session.OutputNames[i]] = OnnxReferenceRunner.FromOrtValue(outputs.ElementAt(i), session.OutputNames[i]);
            }
            return result;
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    public void Dispose()
    {
        _chain.ForEach(c => c.Session.Dispose());
        _chain.Clear();
        _options.Dispose();
    }
}

/// <summary>One-shot conveniences over <see cref="OnnxReferenceSession"/> and the tensor conversions it uses.</summary>
public static class OnnxReferenceRunner
{
    public static IReadOnlyDictionary<string, TensorData> Run(string modelPath, IReadOnlyDictionary<string, TensorData> inputs)
        => RunChain([modelPath], inputs);

    public static IReadOnlyDictionary<string, TensorData> RunChain(IReadOnlyList<string> modelPaths, IReadOnlyDictionary<string, TensorData> inputs)
    {
        using var session = new OnnxReferenceSession(modelPaths);
        return session.Run(inputs);
    }

    /// <summary>
    /// Copies a tensor into ONNX Runtime. Its TensorElementType codes are ONNX's, like <see cref="DataType"/>, and
    /// both store row-major little-endian bytes (bool as one byte, 16-bit floats as their bits), so every type is
    /// one byte copy.
    /// </summary>
    internal static OrtValue ToOrtValue(TensorData tensor)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)tensor.Type.ElementType, tensor.Type.Shape.Dims.ToArray());
        tensor.Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    internal static TensorData FromOrtValue(OrtValue value, string name)
    {
        var info = value.GetTensorTypeAndShape();
        if (!DataTypes.IsDefined((int)info.ElementDataType))
        {
            throw new WasmGraphException($"ONNX Runtime reference: output '{name}' has unsupported type {info.ElementDataType}");
        }
        var type = new TensorType((DataType)(int)info.ElementDataType, new Shape(info.Shape));
        return new TensorData(type, value.GetTensorMutableRawData().ToArray());
    }
}

/// <summary>ONNX Runtime as <c>run --reference</c>'s oracle, registered by <see cref="Cli.AppsCliExtension"/>.</summary>
public sealed class OnnxRuntimeReference : IReferenceRunner
{
    public string Name => "ONNX Runtime";

    public IReadOnlyDictionary<string, TensorData> RunChain(IReadOnlyList<string> models, IReadOnlyDictionary<string, TensorData> inputs)
        => OnnxReferenceRunner.RunChain(models, inputs);
}
