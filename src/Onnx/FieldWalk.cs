using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace WasmGraph.Onnx;

/// <summary>
/// Reads one kind of message field by field as its bytes stream past, handing the fields it was told about to their
/// handlers and skipping the rest without copying them, so nothing is kept that a handler does not keep. This is how
/// <see cref="OnnxModelSummary"/> reads a model of any size in memory proportional to the summary, where parsing the
/// generated <c>ModelProto</c> would copy every weight and build an object for every node.
/// <para>
/// Fields are named by the generated classes' field numbers and their wire types come from the schema's descriptor,
/// so nothing here repeats onnx.proto. It implements <see cref="IMessage"/> only because
/// <see cref="CodedInputStream.ReadMessage(IMessage)"/> is Google.Protobuf's one public way to read a nested message
/// within its declared length (and within the stream's recursion limit); a walk is never written.
/// </para>
/// </summary>
internal sealed class FieldWalk : IMessage
{
    private readonly Dictionary<uint, Action<CodedInputStream>> _handlers = [];

    public FieldWalk(MessageDescriptor descriptor) => Descriptor = descriptor;

    public MessageDescriptor Descriptor { get; }

    /// <summary>
    /// Hands field <paramref name="number"/> to <paramref name="read"/>, which must consume exactly the field's value.
    /// A repeated number also arrives packed (one length-delimited run), which ONNX writers use for dims.
    /// </summary>
    public FieldWalk On(int number, Action<CodedInputStream> read)
    {
        var field = Descriptor.FindFieldByNumber(number)
                    ?? throw new ArgumentException($"{Descriptor.Name} has no field {number}", nameof(number));
        _handlers.Add(WireFormat.MakeTag(number, WireTypeOf(field.FieldType)), read);
        if (field.IsRepeated && WireTypeOf(field.FieldType) != WireFormat.WireType.LengthDelimited)
        {
            _handlers.Add(WireFormat.MakeTag(number, WireFormat.WireType.LengthDelimited), read);
        }
        return this;
    }

    /// <summary>Reads fields until the end of the input or of the nested message <see cref="CodedInputStream.ReadMessage(IMessage)"/> bounds.</summary>
    public void MergeFrom(CodedInputStream input)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (_handlers.TryGetValue(tag, out var read))
            {
                read(input);
            }
            else
            {
                input.SkipLastField(); // a field we do not need, or one with an unexpected wire type
            }
        }
    }

    public void WriteTo(CodedOutputStream output) => throw new NotSupportedException("a field walk reads messages; it has nothing to write");

    public int CalculateSize() => throw new NotSupportedException("a field walk reads messages; it has nothing to write");

    private static WireFormat.WireType WireTypeOf(FieldType type) => type switch
    {
        FieldType.String or FieldType.Bytes or FieldType.Message => WireFormat.WireType.LengthDelimited,
        FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => WireFormat.WireType.Fixed32,
        FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => WireFormat.WireType.Fixed64,
        FieldType.Group => WireFormat.WireType.StartGroup,
        _ => WireFormat.WireType.Varint,
    };
}
