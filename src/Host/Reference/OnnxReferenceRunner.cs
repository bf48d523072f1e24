using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Host.Reference;

/// <summary>
/// Runs the source ONNX model in ONNX Runtime as the numerical oracle for <c>run --reference</c>. One intra-op thread,
/// so the comparison is about numbers, not about which host has more cores.
/// </summary>
public static class OnnxReferenceRunner
{
    public static IReadOnlyDictionary<string, TensorData> Run(string modelPath, IReadOnlyDictionary<string, TensorData> inputs)
    {
        if (!File.Exists(modelPath))
        {
            throw new WasmGraphException($"{modelPath}: reference model not found");
        }
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new WasmGraphException($"{modelPath}: ONNX Runtime cannot load the reference model: {e.Message}", e);
        }
        using (session)
        {
            var names = session.InputNames.Where(inputs.ContainsKey).ToList();
            var missing = session.InputNames.Except(names).ToList();
            if (missing.Count > 0)
            {
                throw new WasmGraphException($"{modelPath}: the reference model needs inputs the module does not have: {string.Join(", ", missing)}");
            }
            var values = names.Select(n => ToOrtValue(inputs[n])).ToList();
            try
            {
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, names, values, session.OutputNames);
                var result = new Dictionary<string, TensorData>(StringComparer.Ordinal);
                for (int i = 0; i < session.OutputNames.Count; i++)
                {
                    result[session.OutputNames[i]] = FromOrtValue(outputs.ElementAt(i), session.OutputNames[i]);
                }
                return result;
            }
            finally
            {
                values.ForEach(v => v.Dispose());
            }
        }
    }

    private static OrtValue ToOrtValue(TensorData tensor)
    {
        var shape = tensor.Type.Shape.Dims.ToArray();
        var bytes = tensor.Bytes;
        return tensor.Type.ElementType switch
        {
            DataType.Float32 => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
            DataType.Float64 => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
            DataType.Int64 => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
            DataType.Int32 => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), shape),
            DataType.UInt8 => OrtValue.CreateTensorValueFromMemory(bytes.ToArray(), shape),
            DataType.Int8 => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray(), shape),
            DataType.Bool => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, bool>(bytes).ToArray(), shape),
            _ => throw new WasmGraphException($"ONNX Runtime reference: unsupported input type {tensor.Type}"),
        };
    }

    private static TensorData FromOrtValue(OrtValue value, string name)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = new Shape(info.Shape);
        return info.ElementDataType switch
        {
            TensorElementType.Float => Make(DataType.Float32, MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<float>())),
            TensorElementType.Double => Make(DataType.Float64, MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<double>())),
            TensorElementType.Int64 => Make(DataType.Int64, MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<long>())),
            TensorElementType.Int32 => Make(DataType.Int32, MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<int>())),
            TensorElementType.UInt8 => Make(DataType.UInt8, value.GetTensorDataAsSpan<byte>()),
            TensorElementType.Int8 => Make(DataType.Int8, MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<sbyte>())),
            TensorElementType.Bool => Make(DataType.Bool, MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<bool>())),
            _ => throw new WasmGraphException($"ONNX Runtime reference: output '{name}' has unsupported type {info.ElementDataType}"),
        };

        TensorData Make(DataType type, ReadOnlySpan<byte> data) => new(new TensorType(type, shape), data.ToArray());
    }
}
