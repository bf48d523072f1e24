using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>The ImageNet label set fetched from npm, and <c>run --labels</c> naming it.</summary>
public sealed class LabelsTests
{
    private static readonly string Fetched = Path.Combine(TestPaths.RepoRoot, ".cache", "data", "labels", "imagenet.txt");

    [Fact]
    public void TheFetchedImageNetLabelsAreTheThousandClassesInStandardOrder()
    {
        Assert.True(File.Exists(Fetched), $"{Fetched} is missing: ./wasmgraph fetch writes it");
        var labels = File.ReadAllLines(Fetched);
        Assert.Equal(1000, labels.Length);
        Assert.Equal("tench, Tinca tinca", labels[0]);
        Assert.Equal("tabby, tabby cat", labels[281]);
        Assert.Equal("toilet tissue, toilet paper, bathroom tissue", labels[999]);
    }

    [Fact]
    public void ALabelSetNameResolvesToTheFetchedFileAndAFileWins()
    {
        Environment.SetEnvironmentVariable("WASMGRAPH_REPO", TestPaths.RepoRoot);
        Assert.Equal(Path.GetFullPath(Fetched), Path.GetFullPath(LabelSets.Resolve("imagenet")));
        using var dir = TestPaths.NewTempDirectory();
        var own = dir.File("mine.txt");
        File.WriteAllText(own, "a\nb\n\n");
        Assert.Equal(["a", "b"], LabelSets.Read(own));
        var error = Assert.Throws<WasmGraph.Abstractions.WasmGraphException>(() => LabelSets.Resolve("no-such-set"));
        Assert.Contains("./wasmgraph fetch", error.Message);
    }

    [Fact]
    public void RunPrintsTheTopFiveWithImageNetNames()
    {
        using var dir = TestPaths.NewTempDirectory();
        var module = dir.File("classifier.wasm");
        // A 1000-class head over pooled colour: logits = W · mean(RGB) + b, with b favouring class 281 (tabby).
        var model = TinyClassifier.Write(dir.File("classifier.onnx"), favoured: 281);
        var env = new Dictionary<string, string> { ["WASMGRAPH_REPO"] = TestPaths.RepoRoot };
        var compile = HostProcess.Run(["compile", model, "-o", module], env);
        Assert.True(compile.ExitCode == 0, compile.ToString());

        var image = Path.Combine(TestPaths.RepoRoot, ".cache", "data", "images", "chelsea.png");
        var run = HostProcess.Run(["run", module, "--image", image, "--labels", "imagenet", "--reference", model], env);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("top-5", run.StdOut);
        Assert.Contains("tabby, tabby cat", run.StdOut);
        Assert.Contains("281", run.StdOut);
    }
}
