using System.Text;
using SkiaSharp;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Files in and files out through the command line: outputs are never a device, a directory or an input of the same
/// command; every file argument is checked before anything runs; input files that are devices, FIFOs, empty, or that
/// declare huge sizes end in exit 2 with one line naming them, in bounded memory.
/// </summary>
public sealed class FileCliTests : IDisposable
{
    /// <summary>The host alone (runtime, no compile) stays near this; a hostile file must not push it much higher.</summary>
    private const long BoundedRssBytes = 300L << 20;

    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private HostResult Host(params string[] args)
        => HostProcess.Run(args, new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File("cache") }, timeoutSeconds: 120);

    private static void AssertUserError(HostResult result, params string[] expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        foreach (var text in expected)
        {
            Assert.Contains(text, result.StdErr);
        }
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.True(result.PeakRssBytes < BoundedRssBytes, $"peak RSS {result.PeakRssMiB:F0} MiB");
    }

    private string Model() => TinyClassifier.Write(_dir.File("m.onnx"), favoured: 3);

    private string Module(string first = "y", string second = "z", long[]? inputShape = null)
        => TinyModules.Write(_dir.File($"tiny{Guid.NewGuid():N}.wasm"), inputShape ?? [4], first, second);

    private string Input() => TinyModules.Input(_dir.File("in.npy"), 1, 2, 3, 4);

    [Fact]
    public void CompileRefusesToReplaceADeviceNode()
    {
        var model = Model();
        var device = SpecialFiles.NullDevice(_dir);

        AssertUserError(Host("compile", model, "-o", device), $"-o {device}: is a character device");

        Assert.True(SpecialFiles.IsCharacterDevice(device), "compile replaced the device node with a regular file");
    }

    [Fact]
    public void CompileRefusesToOverwriteItsOwnModelHoweverItIsSpelled()
    {
        var model = Model();
        var original = File.ReadAllBytes(model);
        var hardLink = _dir.File("same.onnx");
        SpecialFiles.HardLink(model, hardLink);

        AssertUserError(Host("compile", model, "-o", model), $"-o {model}: is the input {model}");
        AssertUserError(Host("compile", model, "-o", Path.Combine(_dir.Path, ".", "m.onnx")), "is the input");
        AssertUserError(Host("compile", model, "-o", hardLink), "is the input");

        Assert.Equal(original, File.ReadAllBytes(model));
    }

    [Fact]
    public void CompileRefusesAnEmptyOrDirectoryOutputAndNonRegularInputs()
    {
        var model = Model();

        AssertUserError(Host("compile", model, "-o", ""), "-o: the output path is empty");
        AssertUserError(Host("compile", model, "-o", _dir.Path), "is a directory");
        AssertUserError(Host("compile", model, "-o", _dir.File("x.wasm"), "--prepend", SpecialFiles.Fifo(_dir)), "--prepend model", "FIFO");
        AssertUserError(Host("compile", model, "-o", _dir.File("x.wasm"), "--config", "/dev/zero"), "config file /dev/zero: is a character device");
        AssertUserError(Host("compile", "/dev/zero", "-o", _dir.File("x.wasm")), "model file /dev/zero: is a character device");
        Assert.False(File.Exists(_dir.File("x.wasm")));
    }

    [Fact]
    public void ZooAndDemoRefuseADeviceOrDirectoryOutputBeforeDoingAnyWork()
    {
        var device = SpecialFiles.NullDevice(_dir);

        AssertUserError(Host("zoo", "lenet5", "-o", device), $"-o {device}: is a character device");
        AssertUserError(Host("demo", "--report", _dir.Path), $"--report {_dir.Path}: is a directory");
        AssertUserError(Host("demo", "--report", device), "--report", "character device");
        Assert.True(SpecialFiles.IsCharacterDevice(device));
    }

    [Fact]
    public void AFilteredConformanceRunLeavesTheTrackedReportAlone()
    {
        var repo = _dir.File("repo");
        Directory.CreateDirectory(Path.Combine(repo, "docs"));
        var tracked = Path.Combine(repo, "docs", "conformance.md");
        File.WriteAllText(tracked, "the whole suite");
        var data = Path.Combine(TestPaths.RepoRoot, ".cache", "data", "onnx-testdata");
        var environment = new Dictionary<string, string> { ["WASMGRAPH_REPO"] = repo, ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File("cache") };

        var filtered = HostProcess.Run(["conformance", "--data", data, "--filter", "node/test_relu", "-j", "1"], environment);
        var kept = HostProcess.Run(["conformance", "--data", data, "--filter", "node/test_relu", "-j", "1", "--report", _dir.File("subset.md")], environment);

        Assert.True(filtered.ExitCode == 0, filtered.ToString());
        Assert.Contains("no report written", filtered.StdOut);
        Assert.Equal("the whole suite", File.ReadAllText(tracked));
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.StartsWith("# ONNX conformance", File.ReadAllText(_dir.File("subset.md")));
    }

    [Fact]
    public void InspectRefusesDevicesFifosAndEmptyFilesWithoutReadingThem()
    {
        var empty = _dir.File("empty.onnx");
        File.WriteAllBytes(empty, []);

        AssertUserError(Host("inspect", "/dev/zero"), "file /dev/zero: is a character device");
        AssertUserError(Host("inspect", SpecialFiles.Fifo(_dir)), "FIFO");
        AssertUserError(Host("inspect", empty), "empty file");
    }

    [Fact]
    public void RunChecksAMissingReferenceBeforeRunningOrWritingAnything()
    {
        var output = _dir.File("out");

        AssertUserError(Host("run", Module(), "--input", "x=" + Input(), "--reference", "/missing.onnx", "--output-dir", output),
                        "--reference model not found: /missing.onnx");

        Assert.False(Directory.Exists(output), "outputs were written before the arguments were checked");
    }

    [Fact]
    public void RunWritesOutputsWhoseNamesCollideToDistinctFiles()
    {
        var output = _dir.File("out");

        var result = Host("run", Module("a:b", "a/b"), "--input", "x=" + Input(), "--output-dir", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["a_b.2.npy", "a_b.npy"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([2f, 3f, 4f, 5f], NpyFile.Read(Path.Combine(output, "a_b.npy")).ToFloatArray());
        Assert.Equal([3f, 4f, 5f, 6f], NpyFile.Read(Path.Combine(output, "a_b.2.npy")).ToFloatArray());
        Assert.Contains("a_b.2.npy (output 'a/b')", result.StdOut);
    }

    [Fact]
    public void RunRefusesAnOutputDirectoryThatIsAFileUnwritableOrEmpty()
    {
        var module = Module();
        var input = Input();
        var file = _dir.File("a-file");
        File.WriteAllText(file, "");

        AssertUserError(Host("run", module, "--input", "x=" + input, "--output-dir", file), $"--output-dir {file}: is a regular file, not a directory");
        AssertUserError(Host("run", module, "--input", "x=" + input, "--output-dir", "/proc"), "--output-dir /proc: cannot write in /proc");
        AssertUserError(Host("run", module, "--input", "x=" + input, "--output-dir", ""), "--output-dir is empty; give a path");
    }

    [Fact]
    public void RunRefusesToWriteAnOutputOverItsOwnInput()
    {
        var output = _dir.File("out");
        Directory.CreateDirectory(output);
        var input = TinyModules.Input(Path.Combine(output, "y.npy"), 1, 2, 3, 4);

        AssertUserError(Host("run", Module(), "--input", "x=" + input, "--output-dir", output), "is the input");

        Assert.Equal([1f, 2f, 3f, 4f], NpyFile.Read(input).ToFloatArray());
    }

    [Fact]
    public void RunRefusesAnNpyHeaderDeclaringTwoGibibytes()
    {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (536870912,), }\n";
        var npy = _dir.File("huge.npy");
        File.WriteAllBytes(npy, [0x93, .. "NUMPY"u8, 1, 0, .. BitConverter.GetBytes((ushort)header.Length), .. Encoding.Latin1.GetBytes(header), .. new byte[16]]);

        AssertUserError(Host("run", Module(), "--input", "x=" + npy), "huge.npy: .npy header declares float32[536870912]", "limit of 2,147,483,591 bytes");
    }

    [Fact]
    public void RunRefusesInputsAndLabelsThatAreDevicesOrFifos()
    {
        var module = Module();

        AssertUserError(Host("run", module, "--input", "x=/dev/zero"), ".npy file /dev/zero: is a character device");
        AssertUserError(Host("run", module, "--input", "x=" + Input(), "--labels", SpecialFiles.Fifo(_dir)), "labels file", "FIFO");
        AssertUserError(Host("run", SpecialFiles.Fifo(_dir, "module-pipe")), "module file", "FIFO");
    }

    [Fact]
    public void RunRefusesAPngDeclaringHugeDimensionsAndWarnsAboutATruncatedJpeg()
    {
        var module = Module(inputShape: [1, 3, 8, 8]);
        var bomb = _dir.File("bomb.png");
        File.WriteAllBytes(bomb, HostileImages.PngClaiming(HostileImages.Encode(SKEncodedImageFormat.Png), 23000, 23000));
        var cut = _dir.File("cut.jpg");
        var jpeg = HostileImages.Encode(SKEncodedImageFormat.Jpeg, 64, 64);
        File.WriteAllBytes(cut, jpeg[..(jpeg.Length / 2)]);

        AssertUserError(Host("run", module, "--image", bomb), "bomb.png: the image declares 23000x23000 pixels", "the limit is 64 megapixels");
        var truncated = Host("run", module, "--image", cut);

        Assert.True(truncated.ExitCode == 0, truncated.ToString());
        Assert.Contains("warning:", truncated.StdErr);
        Assert.Contains("cut.jpg: the image data is truncated", truncated.StdErr);
    }
}
