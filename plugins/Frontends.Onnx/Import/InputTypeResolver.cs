using System.Collections.Immutable;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Gives each graph input a static <see cref="TensorType"/>. The IR has no dynamic dimensions, so a symbolic or
/// missing dimension must be pinned by the user (<c>--input-shape name=1,3,224,224</c>); a pin must agree with every
/// dimension the model does fix.
/// </summary>
internal sealed class InputTypeResolver
{
    private readonly ImmutableDictionary<string, ImmutableArray<long>> _pins;
    private readonly string _file;

    public InputTypeResolver(ImmutableDictionary<string, ImmutableArray<long>> pins, string file)
    {
        _pins = pins;
        _file = file;
    }

    /// <summary>Refuses pins for names that are not graph inputs: a typo must not be silently ignored.</summary>
    public void CheckPinsExist(IReadOnlyCollection<string> inputNames)
    {
        foreach (var name in _pins.Keys)
        {
            if (!inputNames.Contains(name))
            {
                throw new ModelException(
                    $"--input-shape names '{name}', which is not a model input (inputs: {string.Join(", ", inputNames)})", file: _file);
            }
        }
    }

    /// <summary>
    /// The dimension each named symbolic dimension (ONNX dim_param: <c>batch</c>, <c>sequence</c>) takes in the pinned
    /// inputs, so that an input pinned with <c>--input-shape input_ids=1,1..128</c> also sizes <c>attention_mask</c>
    /// and <c>token_type_ids</c> when they share its dim_params. Two pins that give one dim_param different values are
    /// refused.
    /// </summary>
    public void ShareDimParams(IEnumerable<ValueInfoProto> inputs)
    {
        foreach (var input in inputs)
        {
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null || !_pins.TryGetValue(input.Name, out var pin) || pin.Length != dims.Count)
            {
                continue;
            }
            for (int i = 0; i < dims.Count; i++)
            {
                if (!dims[i].HasDimParam || dims[i].DimParam.Length == 0)
                {
                    continue;
                }
                var symbol = dims[i].DimParam;
                if (_shared.TryGetValue(symbol, out var earlier) && earlier.Value != pin[i])
                {
                    throw new ModelException(
                        $"--input-shape gives the model's dimension '{symbol}' two values: {earlier.Value} ({earlier.Input}) and {pin[i]} ({input.Name})", file: _file);
                }
                _shared[symbol] = (pin[i], input.Name);
            }
        }
    }

    private readonly Dictionary<string, (long Value, string Input)> _shared = new(StringComparer.Ordinal);

    public TensorType Resolve(ValueInfoProto input)
    {
        // An optional tensor input is a tensor input of the module, always given (ValueImporters.OptionalHasElement).
        var tensorType = input.Type?.TensorType ?? input.Type?.OptionalType?.ElemType?.TensorType
            ?? throw new ModelException($"input '{input.Name}' is not a tensor ({input.Type?.ValueCase.ToString() ?? "no type"}); only tensor inputs are supported", file: _file);
        if (!DataTypes.IsDefined(tensorType.ElemType))
        {
            var onnxName = Enum.IsDefined(typeof(TensorProto.Types.DataType), tensorType.ElemType)
                ? ((TensorProto.Types.DataType)tensorType.ElemType).ToString().ToUpperInvariant()
                : $"code {tensorType.ElemType}";
            throw new ModelException($"input '{input.Name}' has element type {onnxName}, which is not supported", file: _file);
        }
        var elementType = (DataType)tensorType.ElemType;
        var declared = tensorType.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue
                                                         : d.HasDimParam && _shared.TryGetValue(d.DimParam, out var shared) && !_pins.ContainsKey(input.Name) ? shared.Value
                                                         : (long?)null).ToArray();
        var shape = _pins.TryGetValue(input.Name, out var pin)
            ? ApplyPin(input.Name, declared, pin)
            : RequireStatic(input.Name, declared, tensorType.Shape);
        return new TensorType(elementType, shape);
    }

    private Shape ApplyPin(string name, long?[]? declared, ImmutableArray<long> pin)
    {
        string pinText = string.Join(",", pin);
        if (pin.Any(d => d < 0))
        {
            throw new ModelException($"--input-shape {name}={pinText} has a negative dimension", file: _file);
        }
        if (declared is not null)
        {
            if (declared.Length != pin.Length)
            {
                throw new ModelException(
                    $"--input-shape {name}={pinText} has rank {pin.Length}, but the model declares '{name}' with rank {declared.Length} ({Describe(declared)})", file: _file);
            }
            for (int i = 0; i < pin.Length; i++)
            {
                if (declared[i] is long fixedDim && fixedDim != pin[i])
                {
                    throw new ModelException(
                        $"--input-shape {name}={pinText} sets dimension {i} to {pin[i]}, but the model fixes it at {fixedDim} ({Describe(declared)})", file: _file);
                }
            }
        }
        return new Shape(pin);
    }

    private Shape RequireStatic(string name, long?[]? declared, TensorShapeProto? proto)
    {
        if (declared is null || declared.Any(d => d is null || d < 0))
        {
            string shown = declared is null ? "an unknown shape" : $"shape {Describe(declared, proto)}";
            string example = declared is null
                ? "1,3,224,224"
                : string.Join(",", declared.Select(d => d is long v && v >= 0 ? v : 1));
            string range = declared is null ? "" : string.Join(",", declared.Select((d, i) => d is long v && v >= 0 ? $"{v}" : i == Array.FindLastIndex(declared, x => x is null || x < 0) ? "1..N" : "1"));
            throw new ModelException(
                $"input '{name}' has {shown}; pin it with --input-shape {name}={example}" +
                (declared is null ? "" : $", or give the axis a run-time range with --input-shape {name}={range} (one module for every extent up to N)"), file: _file);
        }
        return new Shape(declared.Select(d => d!.Value).ToArray());
    }

    private static string Describe(long?[] dims, TensorShapeProto? proto = null)
        => "[" + string.Join(",", dims.Select((d, i) => d?.ToString() ?? Symbol(proto, i))) + "]";

    private static string Symbol(TensorShapeProto? proto, int index)
        => proto is not null && index < proto.Dim.Count && proto.Dim[index].HasDimParam && proto.Dim[index].DimParam.Length > 0
            ? proto.Dim[index].DimParam
            : "?";
}
