using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Backends.LlvmWasm.Tests;

/// <summary>
/// Pipeline:Backend:Features is checked before LLVM sees it: LLVM ignores an unknown feature with a warning and then
/// aborts the process on what the kernels need from it (issue 17, item 4).
/// </summary>
public class WasmFeaturesTests
{
    [Fact]
    public void TheDefaultFeaturesEnableSimdRelaxedSimdAndBulkMemory()
    {
        var features = WasmFeatures.Parse(new BackendOptions().Features);
        Assert.True(features.Simd128);
        Assert.True(features.RelaxedSimd);
        Assert.True(features.BulkMemory);
        Assert.Equal(new BackendOptions().Features, features.ForLlvm);
    }

    [Theory]
    [InlineData("", false, false, false)]
    [InlineData("  ", false, false, false)]
    [InlineData("-simd128", false, false, false)]
    [InlineData("+simd128", true, false, false)]
    [InlineData("+relaxed-simd", true, true, false)]   // LLVM's relaxed-simd implies simd128
    [InlineData(" +simd128 , -bulk-memory ", true, false, false)]
    [InlineData("+simd128,+relaxed-simd,+bulk-memory", true, true, true)]
    public void ItReadsWhatTheKernelsMayUse(string text, bool simd, bool relaxed, bool bulkMemory)
    {
        var features = WasmFeatures.Parse(text);
        Assert.Equal((simd, relaxed, bulkMemory), (features.Simd128, features.RelaxedSimd, features.BulkMemory));
        Assert.DoesNotContain(" ", features.ForLlvm);
    }

    [Fact]
    public void EveryFeatureLlvmKnowsIsAcceptedEitherWay()
    {
        foreach (var feature in WasmFeatures.Known)
        {
            Assert.True(WasmFeatures.Parse("+" + feature).Settings[feature]);
            Assert.False(WasmFeatures.Parse("-" + feature).Settings[feature]);
        }
    }

    [Theory]
    [InlineData("+simd12", "'simd12' is not a WebAssembly feature", "did you mean '+simd128'?")]
    [InlineData("+simd128,-relaxedsimd", "'relaxedsimd' is not a WebAssembly feature", "did you mean '-relaxed-simd'?")]
    [InlineData("+bulk_memory", "'bulk_memory'", "did you mean '+bulk-memory'?")]
    [InlineData("+avx512", "'avx512' is not a WebAssembly feature", "known: atomics, bulk-memory")]
    [InlineData("simd128", "entry 'simd128' must start with '+' or '-'", "write '+simd128' to enable it")]
    [InlineData("+simd128,,+bulk-memory", "an entry is empty", "comma-separated")]
    [InlineData("+simd128,-simd128", "'simd128' is listed twice", "")]
    [InlineData("+relaxed-simd,-simd128", "relaxed-simd is enabled but simd128", "is disabled")]
    [InlineData("-simd128,+relaxed-simd", "relaxed-simd is enabled but simd128", "is disabled")]
    public void ItRefusesWhatLlvmWouldIgnoreOrAbortOn(string text, string problem, string hint)
    {
        var error = Assert.Throws<WasmGraphException>(() => WasmFeatures.Parse(text));
        Assert.StartsWith($"{WasmFeatures.Setting} '{text}': ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains(hint, error.Message);
    }

    [Fact]
    public void AHugeFeatureStringIsRefusedWithAShortMessage()
    {
        var text = "+" + new string('x', 1_000_000);
        var error = Assert.Throws<WasmGraphException>(() => WasmFeatures.Parse(text));
        Assert.True(error.Message.Length < 1000, $"{error.Message.Length} characters");
        Assert.Contains("is not a WebAssembly feature", error.Message);
    }

    [Fact]
    public void TheBackendRefusesABadFeatureStringBeforeTheModelIsRead()
    {
        var error = Assert.Throws<WasmGraphException>(() => new LlvmWasmBackend().CheckOptions(new BackendOptions { Features = "+simd129" }));
        Assert.Contains("did you mean '+simd128'?", error.Message);
        new LlvmWasmBackend().CheckOptions(new BackendOptions { Features = "" });
    }
}
