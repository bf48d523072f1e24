using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Kernels;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>The algorithm setting (Pipeline:Backend:ConvAlgorithm) and where each algorithm fits.</summary>
public class ConvAlgorithmTests
{
    [Theory]
    [InlineData("auto", null)]
    [InlineData("", null)]
    [InlineData("Winograd4", "Winograd4")]
    [InlineData("direct", "Direct")]
    public void TheSettingParsesToTheForcedAlgorithm(string text, string? expected)
        => Assert.Equal(expected, ConvAlgorithms.Parse(text)?.ToString());

    [Fact]
    public void AnUnknownAlgorithmIsAUserErrorNamingTheSettingAndTheClosestName()
    {
        var error = Assert.Throws<WasmGraphException>(() => ConvAlgorithms.Parse("winograd3"));
        Assert.Contains(ConvAlgorithms.Setting, error.Message);
        Assert.Contains("did you mean", error.Message);
    }

    [Fact]
    public void TheBackendRefusesAnUnknownAlgorithmBeforeCompiling()
        => Assert.Throws<WasmGraphException>(() => new LlvmWasmBackend().CheckOptions(new BackendOptions { ConvAlgorithm = "fft" }));

    [Theory]
    // C, M, H, W, kernel, stride, group, pad, algorithm, fits
    [InlineData(64, 64, 56, 56, 3, 1, 1, 1, "winograd4", true)]
    [InlineData(512, 512, 7, 7, 3, 1, 1, 1, "winograd6", true)]
    [InlineData(512, 512, 5, 5, 3, 1, 1, 1, "winograd6", false)]   // 5×5 output: smaller than a 6×6 tile
    [InlineData(3, 4, 3, 3, 3, 1, 1, 0, "winograd2", false)]       // 1×1 output
    [InlineData(64, 64, 56, 56, 3, 2, 1, 1, "winograd2", false)]   // stride 2
    [InlineData(64, 64, 56, 56, 1, 1, 1, 0, "winograd2", false)]   // 1×1 kernel
    [InlineData(64, 64, 56, 56, 3, 1, 64, 1, "winograd2", false)]  // depthwise
    public void WinogradFitsOnlyStrideOne3x3ConvsWithAtLeastOneTile(long c, long m, long h, long w, long k, long s, long group, long pad, string algorithm, bool fits)
    {
        long oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
        var g = new ConvGeometry(1, c, h, w, m, oh, ow, k, k, s, s, 1, 1, pad, pad, pad, pad, group);
        var forced = ConvAlgorithms.Parse(algorithm)!.Value;
        Assert.Equal(fits, ConvAlgorithms.Fits(g, forced));
        Assert.Equal(fits ? forced : ConvAlgorithm.Direct, ConvAlgorithms.Choose(g, forced));
    }

    [Theory]
    [InlineData(64, 56, "Winograd4")]
    [InlineData(512, 7, "Winograd2")]
    [InlineData(64, 28, "Direct")]      // not a measured shape
    public void AutoTakesTheMeasuredChoiceForTheShape(long channels, long size, string expected)
    {
        var g = new ConvGeometry(1, channels, size, size, channels, size, size, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        Assert.Equal(expected, ConvAlgorithms.Choose(g, forced: null).ToString());
    }
}
