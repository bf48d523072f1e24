using Microsoft.Extensions.Configuration;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.Tests;

public sealed class HelperTests
{
    [Fact]
    public void OptLevelShorthandsBecomeTheLongFlag()
        => Assert.Equal(new[] { "compile", "m.onnx", "--opt-level", "2", "-o", "x" },
                        WasmGraphCli.ExpandOptLevel(["compile", "m.onnx", "-O2", "-o", "x"]));

    [Theory]
    [InlineData("Pooling395_Output_0", "Pooling395_Output_0")]
    [InlineData("output:0/logits", "output_0_logits")]
    [InlineData("..", "output")]
    public void OutputNamesBecomeSafeFileNames(string name, string expected)
        => Assert.Equal(expected, TensorStats.SafeFileName(name));

    [Fact]
    public void TheLastConfigLayerReplacesThePassListWhole()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pipeline:Passes:0"] = "a", ["Pipeline:Passes:1"] = "b", ["Pipeline:Passes:2"] = "c" })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pipeline:Passes:0"] = "x" })
            .Build();
        Assert.Equal(new[] { "x" }, PassListResolver.Resolve(config));

        var text = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pipeline:Passes"] = "p, q" })
            .Build();
        Assert.Equal(new[] { "p", "q" }, PassListResolver.Resolve(text));
        Assert.Equal("p,q", PassListResolver.Format(PassListResolver.Resolve(text)!));
    }

    [Fact]
    public void AtomicWritesReplaceTheFileAndLeaveNoTemporaries()
    {
        using var dir = TestPaths.NewTempDirectory();
        var path = dir.File("sub/out.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        AtomicFile.WriteAllBytes(path, [4, 5]);
        Assert.Equal(new byte[] { 4, 5 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void TheWasmReaderFindsCustomSections()
    {
        byte[] module = [0, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0, 0, 4, 3, (byte)'a', (byte)'b', (byte)'c'];
        var section = Assert.Single(WasmModuleReader.Sections(module, "m.wasm"));
        Assert.Equal("abc", section.CustomName);
        Assert.Equal(0, section.Length);
        var e = Assert.Throws<WasmGraph.Abstractions.WasmGraphException>(() => WasmModuleReader.ReadMetadata(module, "m.wasm"));
        Assert.Contains("wasmgraph.meta", e.Message);
    }
}
