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

    /// <summary>ONNX Runtime's TensorElementType codes are ONNX's, like DataType, and the bytes are laid out alike.</summary>
    private static OrtValue ToOrtValue(TensorData tensor)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)tensor.Type.ElementType, tensor.Type.Shape.Dims.ToArray());
        tensor.Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static TensorData FromOrtValue(OrtValue value, string name)
    {
        var info = value.GetTensorTypeAndShape();
        if (!DataTypes.IsDefined((int)info.ElementDataType))
        {
            throw new NotSupportedException($"ONNX Runtime oracle: output '{name}' has element type {info.ElementDataType}");
        }
        return new TensorData(new TensorType((DataType)(int)info.ElementDataType, new Shape(info.Shape)), value.GetTensorMutableRawData().ToArray());
    }
}
