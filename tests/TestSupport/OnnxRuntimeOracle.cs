using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.TestSupport;

/// <summary>
/// Runs an ONNX model in ONNX Runtime, the reference every WasmGraph result is compared with. One intra-op thread,
/// so results do not depend on the machine's core count.
/// </summary>
public static class OnnxRuntimeOracle
{
    /// <summary>Runs <paramref name="model"/> on the inputs and returns every graph output by name.</summary>
    public static Dictionary<string, TensorData> Run(byte[] model, IReadOnlyDictionary<string, TensorData> inputs)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(model, options);
        var names = inputs.Keys.ToList();
        var values = names.Select(n => ToOrtValue(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, session.OutputNames);
            var outputs = new Dictionary<string, TensorData>(StringComparer.Ordinal);
            for (int i = 0; i < results.Count; i++)
            {
                outputs[session.OutputNames[i]] = FromOrtValue(results.ElementAt(i), session.OutputNames[i]);
            }
            return outputs;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private static OrtValue ToOrtValue(TensorData tensor)
    {
        var shape = tensor.Type.Shape.Dims.ToArray();
        return tensor.Type.ElementType switch
        {
            DataType.Float32 => OrtValue.CreateTensorValueFromMemory(tensor.AsSpan<float>().ToArray(), shape),
            DataType.Float64 => OrtValue.CreateTensorValueFromMemory(tensor.AsSpan<double>().ToArray(), shape),
            DataType.Int64 => OrtValue.CreateTensorValueFromMemory(tensor.AsSpan<long>().ToArray(), shape),
            DataType.Int32 => OrtValue.CreateTensorValueFromMemory(tensor.AsSpan<int>().ToArray(), shape),
            DataType.UInt8 => OrtValue.CreateTensorValueFromMemory(tensor.Bytes.ToArray(), shape),
            DataType.Int8 => OrtValue.CreateTensorValueFromMemory(tensor.AsSpan<sbyte>().ToArray(), shape),
            DataType.Bool => OrtValue.CreateTensorValueFromMemory(tensor.Bytes.ToArray().Select(b => b != 0).ToArray(), shape),
            _ => throw new NotSupportedException($"ONNX Runtime oracle: element type {tensor.Type.ElementType} is not supported"),
        };
    }

    private static TensorData FromOrtValue(OrtValue value, string name)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = new Shape(info.Shape);
        return info.ElementDataType switch
        {
            TensorElementType.Float => Copy<float>(value, DataType.Float32, shape),
            TensorElementType.Double => Copy<double>(value, DataType.Float64, shape),
            TensorElementType.Int64 => Copy<long>(value, DataType.Int64, shape),
            TensorElementType.Int32 => Copy<int>(value, DataType.Int32, shape),
            TensorElementType.UInt8 => Copy<byte>(value, DataType.UInt8, shape),
            TensorElementType.Int8 => Copy<sbyte>(value, DataType.Int8, shape),
            TensorElementType.Bool => Copy<bool>(value, DataType.Bool, shape),
            _ => throw new NotSupportedException($"ONNX Runtime oracle: output '{name}' has element type {info.ElementDataType}"),
        };
    }

    private static TensorData Copy<T>(OrtValue value, DataType type, Shape shape) where T : unmanaged
        => new(new TensorType(type, shape), MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<T>()).ToArray());
}
