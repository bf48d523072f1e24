using System.Diagnostics;
using System.Text.RegularExpressions;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Codegen;

/// <summary>The 2 GiB check of <c>LinearMemory</c> counts what the kernels keep besides the arena.</summary>
public class LinearMemoryTests
{
    /// <summary>
    /// A 512→512 3×3 conv on a 585×585 plane: weights (9 MiB), arena and stack fit in 2 GiB, but F(4,3)'s transformed
    /// weights, 4× the filter as a zero-initialised global, do not fit beside them.
    /// </summary>
    private static Graph BigConv() => WasmPipeline.Import(new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 1, 512, 585, 585)
        .Initializer("w", TestTensors.Random([512, 512, 3, 3], seed: 1))
        .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .Output("y", DataType.Float32)
        .ToBytes(), "big.onnx");

    [Fact]
    public void WinogradsTransformedWeightsCountAgainstTheLimit()
    {
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<ModelException>(() => WasmPipeline.Compile(BigConv(), new BackendOptions { ConvAlgorithm = "winograd4" }));
        var counts = Regex.Match(error.Message, @"needs [^(]*\(([\d,]+) B\) of linear memory .*kernel state [^(]*\(([\d,]+) B\)");
        Assert.True(counts.Success, error.Message);
        long total = long.Parse(counts.Groups[1].Value.Replace(",", "")), state = long.Parse(counts.Groups[2].Value.Replace(",", ""));
        Assert.Equal(36L * 512 * 512 * 4, state); // α² · C · M floats
        Assert.True(total - state <= 1L << 31, $"without the transformed weights it would not fit either: {error.Message}");
        Assert.Contains("a wasm32 module's data is limited to 2 GiB", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"refused after {clock.Elapsed}, not before code generation");
    }
}
