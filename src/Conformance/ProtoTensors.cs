using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Conformance;

/// <summary>
/// Reads the TensorProto files of the test data (input_N.pb, output_N.pb) into <see cref="TensorData"/> through the
/// ONNX codec (<see cref="OnnxTensors"/>), adding what only the test data needs: a type the IR lacks is a reason to
/// skip the case rather than an error, and bfloat16 values stored as uint16 are read as bfloat16.
/// </summary>
public static class ProtoTensors
{
    public static TensorProto ReadProto(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>A graph input or output of type optional(tensor), which the frontend takes as a tensor that is always present.</summary>
    public static bool IsOptionalTensor(ValueInfoProto value)
        => value.Type?.ValueCase == TypeProto.ValueOneofCase.OptionalType && value.Type.OptionalType.ElemType?.ValueCase == TypeProto.ValueOneofCase.TensorType;

    /// <summary>The tensor of an OptionalProto file; null with a reason when the optional is empty, which no module input can be.</summary>
    public static TensorProto? ReadOptionalProto(string path, out string? problem)
    {
        var optional = OptionalProto.Parser.ParseFrom(File.ReadAllBytes(path));
        problem = optional.TensorValue is null
            ? $"{Path.GetFileName(path)} is an empty optional (or not an optional tensor); a module input is always present"
            : null;
        return optional.TensorValue;
    }

    /// <summary>
    /// The tensor, or null with a reason when its element type has no IR equivalent (string, complex…) or its data does
    /// not match its declaration. <paramref name="declared"/> is the ONNX element type the model gives the value, when
    /// known: the 1.12 test data stores bfloat16 tensors as uint16 (the same bits, since NumPy has no bfloat16), so a
    /// uint16 tensor for a value the model declares bfloat16 is read as bfloat16.
    /// <paramref name="file"/> is where the tensor was read from, for the reason.
    /// </summary>
    public static TensorData? ToTensorData(TensorProto tensor, string file, out string? problem, int? declared = null)
    {
        problem = null;
        if (!DataTypes.IsDefined(tensor.DataType))
        {
            problem = $"tensor element type {OnnxElementTypes.OnnxName(tensor.DataType)}";
            return null;
        }
        tensor = AsDeclared(tensor, declared);
        try
        {
            return OnnxTensors.ToTensorData(tensor, $"tensor '{tensor.Name}'", file);
        }
        catch (ModelException e)
        {
            problem = e.Message;
            return null;
        }
    }

    /// <summary>
    /// <paramref name="tensor"/> as the model declares it: a copy retyped bfloat16 where the test data stores the model's
    /// bfloat16 value as uint16, else <paramref name="tensor"/> itself (the caller's proto keeps what the file says).
    /// </summary>
    public static TensorProto AsDeclared(TensorProto tensor, int? declared)
    {
        if (tensor.DataType != (int)DataType.UInt16 || declared != (int)DataType.BFloat16)
        {
            return tensor;
        }
        var retyped = tensor.Clone();
        retyped.DataType = (int)DataType.BFloat16;
        return retyped;
    }

    /// <summary>The element type code the model declares for a graph input or output, if it is a tensor.</summary>
    public static int? DeclaredType(ValueInfoProto value)
        => value.Type?.ValueCase == TypeProto.ValueOneofCase.TensorType ? value.Type.TensorType.ElemType : null;
}
