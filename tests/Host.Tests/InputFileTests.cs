using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Every input file is a regular file no larger than its limit, checked before it is opened: devices never end, FIFOs
/// block on open, and a size on disk can lie (<c>/proc</c> files say 0), so reads stop at the limit too.
/// </summary>
public sealed class InputFileTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private static WasmGraphException Refused(string path, long maxBytes = 1 << 20)
        => Assert.Throws<WasmGraphException>(() => InputFile.ReadAllBytes(path, "--input", maxBytes));

    [Fact]
    public void AnEndlessDeviceIsRefusedWithoutReadingIt()
    {
        var clock = Stopwatch.StartNew();
        var e = Refused("/dev/zero", long.MaxValue);

        Assert.Contains("--input /dev/zero: is a character device, not a regular file", e.Message);
        Assert.True(clock.ElapsedMilliseconds < 1000);
    }

    [Fact]
    public async Task AFifoIsRefusedWithoutBlocking()
    {
        var fifo = SpecialFiles.Fifo(_dir);

        var e = await Task.Run(() => Refused(fifo)).WaitAsync(TimeSpan.FromSeconds(10)); // a TimeoutException if it blocked

        Assert.Contains("FIFO", e.Message);
    }

    [Fact]
    public void ADirectoryAMissingFileAndAnEmptyPathAreRefusedByName()
    {
        Assert.Contains("is a directory", Refused(_dir.Path).Message);
        Assert.Contains("--input not found: " + _dir.File("missing.npy"), Refused(_dir.File("missing.npy")).Message);
        Assert.Contains("empty", Refused("").Message);
    }

    [Fact]
    public void AFileOverItsLimitIsRefusedBeforeReading()
    {
        var path = _dir.File("big.bin");
        File.WriteAllBytes(path, new byte[5000]);

        Assert.Contains("more than the limit of 4,096 bytes", Refused(path, 4096).Message);
        Assert.Equal(5000, InputFile.ReadAllBytes(path, "--input", 5000).Length);
    }

    [Fact]
    public void AFileWhoseSizeOnDiskLiesIsCutOffAtTheLimit()
    {
        // /proc files report 0 bytes and then produce more: the limit holds for what is read, not what stat said.
        Assert.Contains("longer than the limit", Refused("/proc/self/maps", 16).Message);
    }

    [Fact]
    public void ASymbolicLinkToARegularFileIsRead()
    {
        var target = _dir.File("labels.txt");
        File.WriteAllText(target, "cat\ndog\n");
        var link = _dir.File("link.txt");
        File.CreateSymbolicLink(link, target);

        Assert.Equal(["cat", "dog"], InputFile.ReadAllLines(link, "--labels", 100));
    }

    [Fact]
    public void LabelsFromADeviceAreRefused()
        => Assert.Contains("character device", Assert.Throws<WasmGraphException>(() => LabelSets.Read("/dev/zero")).Message);

    [Fact]
    public void StatusTellsDeviceAndInodeOfLinksApartFromCopies()
    {
        var file = _dir.File("a");
        File.WriteAllText(file, "x");
        var copy = _dir.File("b");
        File.Copy(file, copy);
        var hard = _dir.File("c");
        SpecialFiles.HardLink(file, hard);

        Assert.True(FileStatus.Of(file).IsSameFileAs(FileStatus.Of(hard)));
        Assert.False(FileStatus.Of(file).IsSameFileAs(FileStatus.Of(copy)));
        Assert.Equal(1, FileStatus.Of(file).Size);
        Assert.Equal(FileKind.Missing, FileStatus.Of(_dir.File("none")).Kind);
        Assert.Equal(FileKind.Missing, FileStatus.Of(Path.Combine(file, "under-a-file")).Kind);
    }
}
