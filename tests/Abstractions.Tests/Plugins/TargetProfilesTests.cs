using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Abstractions.Tests.Plugins;

public sealed class TargetProfilesTests
{
    [Fact]
    public void TheDefaultFeaturesAreTheRelaxedProfiles()
        => Assert.Same(TargetProfiles.Relaxed, TargetProfiles.Matching(BackendOptions.DefaultFeatures));

    [Theory]
    [InlineData("relaxed", new[] { "relaxed" })]
    [InlineData("simd128", new[] { "simd128" })]
    [InlineData("mvp", new[] { "mvp" })]
    [InlineData("all", new[] { "relaxed", "simd128", "mvp" })]
    public void ATargetNamesOneProfileOrAllOfThemFastestFirst(string value, string[] expected)
        => Assert.Equal(expected, TargetProfiles.Parse(value, "--target").Select(p => p.Name));

    [Fact]
    public void AnUnknownTargetIsAUserErrorWithTheClosestNameAndTheList()
    {
        var error = Assert.Throws<WasmGraphException>(() => TargetProfiles.Parse("simd", "--target"));
        Assert.Equal("--target 'simd' is not a target profile; did you mean 'simd128'? (known: relaxed, simd128, mvp, all)", error.Message);
    }

    [Theory]
    [InlineData("+simd128,-relaxed-simd,+bulk-memory,+nontrapping-fptoint,+sign-ext", "simd128")]
    [InlineData("+sign-ext, +nontrapping-fptoint,+bulk-memory,-relaxed-simd,+simd128", "simd128")]
    [InlineData("-simd128,-relaxed-simd,-bulk-memory,-nontrapping-fptoint,-sign-ext,-multivalue,-reference-types", "mvp")]
    [InlineData("+simd128", null)]
    [InlineData("+simd128,-relaxed-simd,+bulk-memory,+nontrapping-fptoint", null)]
    public void FeaturesMatchAProfileOnlyWhenTheyAreExactlyItsEntriesInAnyOrder(string features, string? profile)
        => Assert.Equal(profile, TargetProfiles.Matching(features)?.Name);

    [Theory]
    [InlineData("out/model.wasm", "out/model.wasm", "out/model.simd128.wasm", "out/model.mvp.wasm")]
    [InlineData("model", "model", "model.simd128.wasm", "model.mvp.wasm")]
    [InlineData("a.b/net.bin", "a.b/net.bin", "a.b/net.simd128.bin", "a.b/net.mvp.bin")]
    public void ASetIsNamedAfterTheOutputWithTheProfileBeforeTheExtension(string output, string relaxed, string simd128, string mvp)
    {
        Assert.Equal(relaxed, TargetProfiles.PathFor(output, TargetProfiles.Relaxed));
        Assert.Equal(simd128, TargetProfiles.PathFor(output, TargetProfiles.Simd128));
        Assert.Equal(mvp, TargetProfiles.PathFor(output, TargetProfiles.Mvp));
    }

    [Fact]
    public void TheTargetAndFeaturesRoundTripThroughTheMetadata()
    {
        var metadata = new ModelMetadata { Outputs = [new TensorInfo("y", "float32", [1], 4)], Target = "mvp", Features = TargetProfiles.Mvp.Features };

        var read = ModelMetadata.FromJson(metadata.ToJson());

        Assert.Equal(("mvp", TargetProfiles.Mvp.Features), (read.Target, read.Features));
    }

    [Fact]
    public void ModulesFromBeforeTargetProfilesHaveNoTarget()
        => Assert.Null(ModelMetadata.FromJson("""{"abi_version":1,"outputs":[{"name":"y","dtype":"float32","shape":[1],"bytes":4}]}""").Target);

    [Fact]
    public void AMetadataTargetThatIsNoProfileIsRefused()
    {
        var json = new ModelMetadata { Outputs = [new TensorInfo("y", "float32", [1], 4)], Target = "avx512" }.ToJson();

        var error = Assert.Throws<WasmGraphException>(() => ModelMetadata.FromJson(json));
        Assert.Contains("'target' is 'avx512', expected one of relaxed, simd128, mvp or custom", error.Message);
    }
}
