using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

public enum AttributeKind { Int, Float, String, Ints, Floats, Strings, Tensor }

/// <summary>One typed attribute value. Exactly one payload is meaningful, as named by <see cref="Kind"/>.</summary>
public sealed record AttributeValue
{
    private AttributeValue(AttributeKind kind) => Kind = kind;

    public AttributeKind Kind { get; }
    public long Int { get; private init; }
    public float Float { get; private init; }
    public string String { get; private init; } = "";
    public ImmutableArray<long> Ints { get; private init; } = ImmutableArray<long>.Empty;
    public ImmutableArray<float> Floats { get; private init; } = ImmutableArray<float>.Empty;
    public ImmutableArray<string> Strings { get; private init; } = ImmutableArray<string>.Empty;
    public TensorData? Tensor { get; private init; }

    public static AttributeValue Of(long value) => new(AttributeKind.Int) { Int = value };
    public static AttributeValue Of(float value) => new(AttributeKind.Float) { Float = value };
    public static AttributeValue Of(string value) => new(AttributeKind.String) { String = value };
    public static AttributeValue Of(IEnumerable<long> values) => new(AttributeKind.Ints) { Ints = values.ToImmutableArray() };
    public static AttributeValue Of(IEnumerable<float> values) => new(AttributeKind.Floats) { Floats = values.ToImmutableArray() };
    public static AttributeValue Of(IEnumerable<string> values) => new(AttributeKind.Strings) { Strings = values.ToImmutableArray() };
    public static AttributeValue Of(TensorData value) => new(AttributeKind.Tensor) { Tensor = value };

    /// <summary>The value as the IR text writes it (<see cref="GraphText.Attribute"/>), large tensors elided.</summary>
    public override string ToString() => GraphText.Attribute(this, GraphTextOptions.Default);
}

/// <summary>An immutable, ordered attribute map with typed getters that explain what was wrong.</summary>
public sealed class Attributes
{
    public static readonly Attributes Empty = new(ImmutableSortedDictionary<string, AttributeValue>.Empty);

    private readonly ImmutableSortedDictionary<string, AttributeValue> _map;

    private Attributes(ImmutableSortedDictionary<string, AttributeValue> map) => _map = map;

    public static Attributes From(IEnumerable<KeyValuePair<string, AttributeValue>> pairs)
        => new(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, pairs));

    public IEnumerable<KeyValuePair<string, AttributeValue>> All => _map;

    public int Count => _map.Count;

    public bool Has(string name) => _map.ContainsKey(name);

    public Attributes With(string name, AttributeValue value) => new(_map.SetItem(name, value));

    public Attributes With(string name, long value) => With(name, AttributeValue.Of(value));

    public Attributes With(string name, float value) => With(name, AttributeValue.Of(value));

    public Attributes With(string name, IEnumerable<long> value) => With(name, AttributeValue.Of(value));

    public Attributes With(string name, string value) => With(name, AttributeValue.Of(value));

    public Attributes Without(string name) => new(_map.Remove(name));

    public AttributeValue? Get(string name) => _map.TryGetValue(name, out var v) ? v : null;

    public long GetInt(string name, long fallback) => Get(name) is { Kind: AttributeKind.Int } v ? v.Int : fallback;

    public long GetInt(string name) => Require(name, AttributeKind.Int).Int;

    public float GetFloat(string name, float fallback) => Get(name) is { Kind: AttributeKind.Float } v ? v.Float : fallback;

    public float GetFloat(string name) => Require(name, AttributeKind.Float).Float;

    public string GetString(string name, string fallback) => Get(name) is { Kind: AttributeKind.String } v ? v.String : fallback;

    public ImmutableArray<long> GetInts(string name) => Require(name, AttributeKind.Ints).Ints;

    public ImmutableArray<long>? GetIntsOrNull(string name) => Get(name) is { Kind: AttributeKind.Ints } v ? v.Ints : null;

    public ImmutableArray<float> GetFloats(string name) => Require(name, AttributeKind.Floats).Floats;

    public TensorData GetTensor(string name) => Require(name, AttributeKind.Tensor).Tensor!;

    private AttributeValue Require(string name, AttributeKind kind)
    {
        if (!_map.TryGetValue(name, out var v))
        {
            throw new KeyNotFoundException($"attribute '{name}' is missing");
        }
        if (v.Kind != kind)
        {
            throw new InvalidOperationException($"attribute '{name}' is {v.Kind}, expected {kind}");
        }
        return v;
    }

    /// <summary><c>name=value, …</c> as the IR text writes it (<see cref="GraphText.AttributeList"/>).</summary>
    public override string ToString() => GraphText.AttributeList(this, GraphTextOptions.Default);
}
