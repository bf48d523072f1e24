using WasmGraph.Abstractions;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// One schema for preprocessing hints (<see cref="HintSchema"/>): <c>compile --hint</c> refuses what <c>run</c> could
/// not use (exit 2 naming the hint and what was expected), and no hint may name a host path.
/// </summary>
public sealed class HintValidationTests
{
    public static TheoryData<string, string, string> BadHints => new()
    {
        { "layout", "XYZW", "--hint layout=XYZW: layout must be NCHW or NHWC" },
        { "layout", "0", "layout must be NCHW or NHWC" },
        { "layout", "NCHW,NHWC", "layout must be NCHW or NHWC" },
        { "channel_order", "GBR", "channel order must be RGB or BGR" },
        { "scale", "abc", "--hint scale=abc: scale must be a positive number" },
        { "scale", "1/0", "scale must be a positive number" },
        { "scale", "0", "scale must be a positive number" },
        { "scale", "NaN", "scale must be a positive number" },
        { "mean", "0.5,0.5", "2 values; give one per channel (3) or one for all" },
        { "mean", "1,Infinity,1", "'Infinity' is not a finite number" },
        { "std", "0,1,1", "0 is not positive" },
        { "std", "NaN", "'NaN' is not a finite number" },
        { "labels", "/etc/shadow", "--hint labels=/etc/shadow: expected the name of a fetched label set" },
        { "labels", "../imagenet", "never a path" },
        { "labels", "", "never a path" },
        { "lyout", "NCHW", "unknown hint 'lyout'; did you mean 'layout'?" },
        { "colour", "RGB", "unknown hint 'colour'" },
        { "layout", "NCHW\u001b]0;x\u0007", "with control characters" },
        { "mean", new string('1', 300), "the value is 300 characters" },
    };

    [Theory]
    [MemberData(nameof(BadHints))]
    public void ABadHintIsRefusedNamingItAndWhatWasExpected(string key, string value, string expected)
    {
        var error = Assert.Throws<WasmGraphException>(() => HintSchema.Check(key, value, "--hint"));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("\u001b", error.Message);
    }

    [Theory]
    [InlineData("layout", "nhwc")]
    [InlineData("channel_order", "BGR")]
    [InlineData("scale", "1/127.5")]
    [InlineData("mean", "0.485, 0.456, 0.406")]
    [InlineData("std", "1")]
    [InlineData("labels", "imagenet")]
    public void AGoodHintIsAccepted(string key, string value) => HintSchema.Check(key, value, "--hint");

    [Fact]
    public void ImageHintsMustFitTheChannelsOfTheInput()
    {
        var nhwcOnNchw = new Dictionary<string, string> { ["layout"] = "NHWC" };
        var threeMeansOnGrey = new Dictionary<string, string> { ["mean"] = "0.4,0.5,0.6" };

        Assert.Contains("has 224 channels", HintSchema.ProblemWithInput(nhwcOnNchw, "x", [1, 3, 224, 224]));
        Assert.Contains("has 3 values, but input 'x' has 1 channel", HintSchema.ProblemWithInput(threeMeansOnGrey, "x", [1, 1, 28, 28]));
        Assert.Null(HintSchema.ProblemWithInput(threeMeansOnGrey, "x", [1, 3, 28, 28]));
    }

    [Fact]
    public void AModulesBadHintIsAnErrorNamingTheModuleAndTheHint()
    {
        var hints = new Dictionary<string, string> { ["layout"] = "XYZW" };

        var error = Assert.Throws<WasmGraphException>(() => ImagePreprocessing.FromHints(hints, [1, 3, 2, 2], "m.wasm: hint"));
        Assert.Equal("m.wasm: hint layout=XYZW: layout must be NCHW or NHWC, not 'XYZW'", error.Message);
    }

    public static TheoryData<string[], string> BadCompiles => new()
    {
        { ["--hint", "labels=/etc/shadow"], "--hint labels=/etc/shadow: expected the name of a fetched label set" },
        { ["--hint", "layout=XYZW"], "--hint layout=XYZW: layout must be NCHW or NHWC" },
        { ["--hint", "scale=abc"], "--hint scale=abc" },
        { ["--hint", "lyout=NCHW"], "did you mean 'layout'?" },
        // The model's input is float32[1,3,8,8]: read as NHWC it has 8 channels.
        { ["--hint", "layout=NHWC"], "read as NHWC has 8 channels" },
    };

    [Theory]
    [MemberData(nameof(BadCompiles))]
    public void CompileRefusesABadHintWithExit2AndWritesNothing(string[] hint, string expected)
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = TinyClassifier.Write(dir.File("classifier.onnx"), favoured: 1);
        var module = dir.File("classifier.wasm");

        var result = HostProcess.Run(["compile", model, "-o", module, .. hint]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.StdErr);
        Assert.False(File.Exists(module));
    }
}
