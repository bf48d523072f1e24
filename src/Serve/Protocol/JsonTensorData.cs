using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Serve.Protocol;

/// <summary>
/// Tensor contents as the protocol writes them in JSON: <c>"data"</c> holds the elements in row-major order, flat or
/// nested (nested arrays are read in order, as Triton and KServe accept them). Floats are JSON numbers, with the
/// strings <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c> for what JSON numbers cannot say; integers must be
/// whole and in the datatype's range; BOOL is <c>true</c>/<c>false</c>. Every refusal names the input and the element.
/// </summary>
public static class JsonTensorData
{
    /// <summary>Reads <paramref name="data"/> into a tensor of <paramref name="type"/>, whose element count it must match exactly.</summary>
    public static TensorData Read(JsonElement data, TensorType type, string input)
    {
        var bytes = new byte[type.ByteSize];
        long count = type.ElementCount;
        long index = 0;
        var stack = new Stack<JsonElement.ArrayEnumerator>();
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest($"input '{input}': \"data\" must be an array of {count} elements, not {Kind(data)}");
        }
        stack.Push(data.EnumerateArray());
        while (stack.Count > 0)
        {
            var level = stack.Pop();
            if (!level.MoveNext())
            {
                continue;
            }
            stack.Push(level);
            var element = level.Current;
            if (element.ValueKind == JsonValueKind.Array)
            {
                stack.Push(element.EnumerateArray());
                continue;
            }
            if (index >= count)
            {
                throw ProtocolException.BadRequest($"input '{input}': \"data\" has more than the {count} elements its shape {type.Shape} holds");
            }
            Write(bytes, type.ElementType, index, element, input);
            index++;
        }
        if (index != count)
        {
            throw ProtocolException.BadRequest($"input '{input}': \"data\" has {index} elements, but its shape {type.Shape} holds {count}");
        }
        return new TensorData(type, bytes);
    }

    /// <summary>Writes <paramref name="tensor"/>'s elements as one flat JSON array.</summary>
    public static void Write(Utf8JsonWriter writer, TensorData tensor)
    {
        writer.WriteStartArray();
        var type = tensor.Type.ElementType;
        if (type == DataType.Bool)
        {
            foreach (var b in tensor.Bytes)
            {
                writer.WriteBooleanValue(b != 0);
            }
        }
        else if (type == DataType.Float32)
        {
            foreach (var f in tensor.AsSpan<float>())
            {
                WriteFloat(writer, f);
            }
        }
        else if (type.IsFloat())
        {
            foreach (var d in tensor.ToDoubleArray())
            {
                WriteFloat(writer, d);
            }
        }
        else if (type == DataType.UInt64)
        {
            foreach (var u in tensor.AsSpan<ulong>())
            {
                writer.WriteNumberValue(u);
            }
        }
        else
        {
            foreach (var l in tensor.ToInt64Array())
            {
                writer.WriteNumberValue(l);
            }
        }
        writer.WriteEndArray();
    }

    private static void WriteFloat(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(NonFinite(value));
        }
    }

    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(NonFinite(value));
        }
    }

    private static string NonFinite(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

    private static void Write(byte[] bytes, DataType type, long index, JsonElement element, string input)
    {
        int i = checked((int)index);
        switch (type)
        {
            case DataType.Bool:
                bytes[i] = element.ValueKind switch
                {
                    JsonValueKind.True => 1,
                    JsonValueKind.False => 0,
                    _ => throw Element(input, index, element, "true or false"),
                };
                break;
            case DataType.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), (float)Float(element, input, index, float.MaxValue, "FP32"));
                break;
            case DataType.Float64:
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), Float(element, input, index, double.MaxValue, "FP64"));
                break;
            case DataType.Float16:
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), HalfFloats.FromDouble(Float(element, input, index, (double)Half.MaxValue, "FP16"), type));
                break;
            case DataType.BFloat16:
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), HalfFloats.FromDouble(Float(element, input, index, BFloat16Max, "BF16"), type));
                break;
            case DataType.Int8: bytes[i] = (byte)(sbyte)Integer(element, input, index, sbyte.MinValue, sbyte.MaxValue, "INT8"); break;
            case DataType.UInt8: bytes[i] = (byte)Integer(element, input, index, byte.MinValue, byte.MaxValue, "UINT8"); break;
            case DataType.Int16: BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), (short)Integer(element, input, index, short.MinValue, short.MaxValue, "INT16")); break;
            case DataType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)Integer(element, input, index, ushort.MinValue, ushort.MaxValue, "UINT16")); break;
            case DataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), (int)Integer(element, input, index, int.MinValue, int.MaxValue, "INT32")); break;
            case DataType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), (uint)Integer(element, input, index, uint.MinValue, uint.MaxValue, "UINT32")); break;
            case DataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), Integer(element, input, index, long.MinValue, long.MaxValue, "INT64")); break;
            case DataType.UInt64:
                if (element.ValueKind != JsonValueKind.Number || !element.TryGetUInt64(out ulong u))
                {
                    throw Element(input, index, element, "a whole number from 0 to 18446744073709551615 (UINT64)");
                }
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8 * i), u);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    /// <summary>The largest finite bfloat16: 0x7F7F, (2 − 2⁻⁷) × 2¹²⁷.</summary>
    private const double BFloat16Max = 3.3895313892515355e38;

    /// <summary>
    /// A float element. A number beyond the datatype's largest finite value is refused rather than rounded to an
    /// infinity the client did not write (<c>1e39</c> for FP32; <c>1e999</c> even parses as infinity); the
    /// infinities themselves are the strings.
    /// </summary>
    private static double Float(JsonElement element, string input, long index, double max, string datatype)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out double value))
        {
            // Values that round to ±max are in range; the cut is halfway to the next power of two's step, as rounding goes.
            if (!double.IsFinite(value) || (datatype != "FP64" && Math.Abs(value) > max && double.IsInfinity(Narrow(value, datatype))))
            {
                throw Element(input, index, element, $"a number within {datatype}'s range (±{max:G5}), or \"Infinity\"/\"-Infinity\"");
            }
            return value;
        }
        if (element.ValueKind == JsonValueKind.String)
        {
            switch (element.GetString())
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
        }
        throw Element(input, index, element, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
    }

    private static double Narrow(double value, string datatype) => datatype switch
    {
        "FP32" => (float)value,
        "FP16" => (double)(Half)value,
        _ => HalfFloats.ToDouble(HalfFloats.FromDouble(value, DataType.BFloat16), DataType.BFloat16),
    };

    private static long Integer(JsonElement element, string input, long index, long min, long max, string datatype)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long value) && value >= min && value <= max)
        {
            return value;
        }
        throw Element(input, index, element, $"a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} ({datatype})");
    }

    private static ProtocolException Element(string input, long index, JsonElement element, string expected)
        => ProtocolException.BadRequest($"input '{input}': data element {index} is {Show(element)}; expected {expected}");

    private static string Show(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 40 ? text : text[..40] + "…";
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };
}
