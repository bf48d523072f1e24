using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Onnx;

/// <summary>
/// Names and sizes of ONNX element type codes (<c>TensorProto.data_type</c>), including the ones the IR has no
/// <see cref="DataType"/> for (string, complex, the 8- and 4-bit floats): a file may declare any of them, and messages
/// and summaries must still say what it declared.
/// </summary>
public static class OnnxElementTypes
{
    /// <summary>ONNX's own spelling ("FLOAT", "STRING", "BFLOAT16"), or "code N" for a code ONNX does not define.</summary>
    public static string OnnxName(int code)
        => Enum.IsDefined(typeof(TensorProto.Types.DataType), code)
            ? ((TensorProto.Types.DataType)code).ToString().ToUpperInvariant()
            : $"code {code}";

    /// <summary>
    /// The IR's NumPy-style name for the types it has ("float32", "int64"), else ONNX's name in lower case ("string",
    /// "complex64", "undefined"), else "type N".
    /// </summary>
    public static string DisplayName(int code)
    {
        if (DataTypes.IsDefined(code))
        {
            return ((DataType)code).Name();
        }
        return Enum.IsDefined(typeof(TensorProto.Types.DataType), code)
            ? ((TensorProto.Types.DataType)code).ToString().ToLowerInvariant()
            : $"type {code}";
    }

    /// <summary>Bytes per element: the IR's size, 8 and 16 for complex64 and complex128, 0 for strings and what has no whole-byte size.</summary>
    public static int ByteSize(int code) => code switch
    {
        _ when DataTypes.IsDefined(code) => ((DataType)code).SizeOf(),
        (int)TensorProto.Types.DataType.Complex64 => 8,
        (int)TensorProto.Types.DataType.Complex128 => 16,
        _ => 0,
    };
}
