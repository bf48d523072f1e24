using System.Collections.Immutable;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Abstractions.Tests.Plugins;

public sealed class ModelMetadataTests
{
    /// <summary>
    /// The metadata is part of the module's bytes, so the same model and hints must give the same JSON in every
    /// process: the hint dictionary's own order follows string hashes, which .NET randomises per process.
    /// </summary>
    [Fact]
    public void HintsAreWrittenInOrdinalKeyOrderWhateverTheDictionarysOrder()
    {
        string[] keys = ["std", "scale", "mean", "layout", "labels", "channel_order", "b", "a", "Z"];
        var metadata = new ModelMetadata { Hints = keys.ToImmutableDictionary(k => k, k => k + "-value") };

        var json = metadata.ToJson();

        var positions = keys.Order(StringComparer.Ordinal).Select(k => json.IndexOf($"\"{k}\":", StringComparison.Ordinal)).ToArray();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order().ToArray(), positions);
    }

    [Fact]
    public void HintsRoundTripThroughTheJson()
    {
        var metadata = new ModelMetadata
        {
            Outputs = [new TensorInfo("y", "float32", [1], 4)],
            Hints = ImmutableDictionary<string, string>.Empty.Add("layout", "NCHW").Add("scale", "1/255"),
        };

        var read = ModelMetadata.FromJson(metadata.ToJson());

        Assert.Equal(metadata.Hints.OrderBy(h => h.Key, StringComparer.Ordinal), read.Hints.OrderBy(h => h.Key, StringComparer.Ordinal));
    }
}
