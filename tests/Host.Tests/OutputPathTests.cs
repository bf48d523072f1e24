using WasmGraph.Abstractions;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Where the host may write: new paths and regular files, never a directory, device, FIFO, or one of the command's
/// inputs however it is spelled (another relative path, a symbolic link, a hard link).
/// </summary>
public sealed class OutputPathTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private static WasmGraphException Refused(string? path, params string?[] inputs)
        => Assert.Throws<WasmGraphException>(() => OutputPath.Check(path, "-o", inputs));

    [Fact]
    public void ANewPathAndAnExistingRegularFileMayBeWritten()
    {
        var existing = _dir.File("old.wasm");
        File.WriteAllText(existing, "old");

        OutputPath.Check(_dir.File("new.wasm"), "-o", [_dir.File("m.onnx")]);
        OutputPath.Check(existing, "-o", [_dir.File("m.onnx")]);
        OutputPath.Check(_dir.File("not/yet/made/x.wasm"), "-o", []);
    }

    [Fact]
    public void ACharacterDeviceIsRefusedAndAtomicFileLeavesItADevice()
    {
        var device = SpecialFiles.NullDevice(_dir);

        Assert.Contains("character device", Refused(device).Message);
        var e = Assert.Throws<WasmGraphException>(() => AtomicFile.WriteAllBytes(device, new byte[] { 1, 2, 3 }));

        Assert.Contains("character device", e.Message);
        Assert.True(SpecialFiles.IsCharacterDevice(device), "the device node was replaced by a regular file");
        Assert.Single(Directory.GetFileSystemEntries(_dir.Path)); // no temporary left behind
    }

    [Fact]
    public void AFifoADirectoryAndAnEmptyPathAreRefused()
    {
        Assert.Contains("FIFO", Refused(SpecialFiles.Fifo(_dir)).Message);
        Assert.Contains("is a directory", Refused(_dir.Path).Message);
        Assert.Contains("empty", Refused("").Message);
        Assert.Contains("empty", Refused("  ").Message);
    }

    [Fact]
    public void AnOutputUnderARegularFileIsRefusedNamingBoth()
    {
        var file = _dir.File("afile");
        File.WriteAllText(file, "");

        Assert.Contains($"-o {file}/x.wasm: cannot be created: {file} is a regular file", Refused(Path.Combine(file, "x.wasm")).Message);
    }

    [Fact]
    public void TheInputIsRefusedHoweverTheOutputSpellsIt()
    {
        var model = _dir.File("m.onnx");
        File.WriteAllText(model, "model");
        var symlink = _dir.File("link.onnx");
        File.CreateSymbolicLink(symlink, model);
        var hardLink = _dir.File("hard.onnx");
        SpecialFiles.HardLink(model, hardLink);
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), model);
        var dotted = Path.Combine(_dir.Path, ".", "sub", "..", "m.onnx");

        foreach (var output in new[] { model, relative, dotted, symlink, hardLink })
        {
            Assert.Contains("is the input", Refused(output, null, model).Message);
        }
        Assert.Equal("model", File.ReadAllText(model));
    }

    [Fact]
    public void AnOutputDirectoryThatIsAFileOrUnwritableIsRefused()
    {
        var file = _dir.File("file");
        File.WriteAllText(file, "");

        Assert.Contains("not a directory", Assert.Throws<WasmGraphException>(() => OutputPath.CheckDirectory(file, "--output-dir")).Message);
        Assert.Contains("cannot be created", Assert.Throws<WasmGraphException>(() => OutputPath.CheckDirectory(Path.Combine(file, "sub"), "--output-dir")).Message);
        Assert.Contains("empty", Assert.Throws<WasmGraphException>(() => OutputPath.CheckDirectory("", "--output-dir")).Message);
        Assert.Contains("/proc: cannot write in /proc", Assert.Throws<WasmGraphException>(() => OutputPath.CheckDirectory("/proc", "--output-dir")).Message);
        OutputPath.CheckDirectory(_dir.File("new/dir"), "--output-dir");
        Assert.False(Directory.Exists(_dir.File("new")), "checking must not create anything");
    }

    [Fact]
    public void AtomicFileReportsAFailedWriteAsAUserErrorNamingThePath()
    {
        var e = Assert.Throws<WasmGraphException>(() => AtomicFile.WriteAllBytes("/proc/wasmgraph-test.bin", new byte[] { 1 }));

        Assert.Contains("/proc/wasmgraph-test.bin", e.Message);
    }

    [Fact]
    public void AtomicFileWritesATargetWhoseNameIsAsLongAsFileSystemsAllow()
    {
        var path = _dir.File(new string('n', 250) + ".npy");

        AtomicFile.WriteAllBytes(path, new byte[] { 7 });

        Assert.Equal([7], File.ReadAllBytes(path));
    }
}
