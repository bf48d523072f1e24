using System.Collections.Immutable;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Freezes graph inputs to values (<see cref="Abstractions.Plugins.FrontendOptions.Bindings"/>, <c>--bind</c>): a
/// bound input is a constant of the graph from the start, so the shape programs, axes and pads computed from it fold
/// like any other constant. Each value must be what the model declares: the same element type, the same rank, and
/// every dimension the model fixes (a symbolic dimension takes the value's). The values are untrusted (a user's
/// .npy file, a test's .pb), so every mismatch is a <see cref="ModelException"/> naming the input and both types.
/// </summary>
internal sealed class InputBinder
{
    private readonly ImmutableDictionary<string, TensorData> _bindings;
    private readonly ImmutableDictionary<string, ImmutableArray<long>> _pins;
    private readonly string _file;

    public InputBinder(ImmutableDictionary<string, TensorData> bindings, ImmutableDictionary<string, ImmutableArray<long>> pins, string file)
    {
        _bindings = bindings;
        _pins = pins;
        _file = file;
    }

    /// <summary>Refuses a binding whose name is no graph input (a typo must not be ignored), with the closest name.</summary>
    public void CheckNamesExist(IReadOnlyCollection<string> inputNames)
    {
        foreach (var name in _bindings.Keys.Order(StringComparer.Ordinal))
        {
            if (!inputNames.Contains(name))
            {
                string suggestion = NameSuggestion.Closest(name, inputNames) is { } close ? $"did you mean '{close}'? " : "";
                throw new ModelException(
                    $"--bind names '{name}', which is not a model input ({suggestion}inputs: {string.Join(", ", inputNames)})", file: _file);
            }
            if (_pins.ContainsKey(name))
            {
                throw new ModelException(
                    $"'{name}' is given both --bind and --input-shape; a bound input takes its shape from its value, so drop the --input-shape", file: _file);
            }
        }
    }

    /// <summary>The value <paramref name="input"/> is bound to, checked against its declaration; null when it is not bound.</summary>
    public TensorData? ValueOf(ValueInfoProto input)
    {
        if (!_bindings.TryGetValue(input.Name, out var value))
        {
            return null;
        }
        var tensorType = input.Type?.TensorType
            ?? throw new ModelException($"--bind {input.Name}: the input is not a tensor ({input.Type?.ValueCase.ToString() ?? "no type"})", file: _file);
        string given = $"{value.Type.ElementType.Name()}{value.Type.Shape}";
        if (DataTypes.IsDefined(tensorType.ElemType) && (DataType)tensorType.ElemType != value.Type.ElementType)
        {
            throw new ModelException(
                $"--bind {input.Name}: the value is {given}, but the model declares the input as {((DataType)tensorType.ElemType).Name()}{Declared(tensorType)}", file: _file);
        }
        if (tensorType.Shape is { } shape)
        {
            var dims = value.Type.Shape.Dims;
            bool fits = shape.Dim.Count == dims.Length
                        && shape.Dim.Select((d, i) => !d.HasDimValue || d.DimValue == dims[i]).All(ok => ok);
            if (!fits)
            {
                throw new ModelException(
                    $"--bind {input.Name}: the value has shape {value.Type.Shape}, but the model declares {Declared(tensorType)}", file: _file);
            }
        }
        return value;
    }

    private static string Declared(TypeProto.Types.Tensor tensorType)
        => tensorType.Shape is null
            ? "(any shape)"
            : "[" + string.Join(",", tensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam is { Length: > 0 } p ? p : "?")) + "]";
}
