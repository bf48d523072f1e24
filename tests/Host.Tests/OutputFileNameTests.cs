using WasmGraph.Host.Cli;

namespace WasmGraph.Host.Tests;

/// <summary>Output names from a model become file names that are safe, bounded, and distinct from each other.</summary>
public sealed class OutputFileNameTests
{
    [Theory]
    [InlineData(".", "output")]
    [InlineData("", "output")]
    [InlineData("...hidden", "hidden")]
    [InlineData("-rf", "_-rf")]
    [InlineData("CON", "_CON")]
    [InlineData("nul.txt", "_nul.txt")]
    [InlineData("console", "console")]
    [InlineData("\u001b]0;pwned\u0007", "__0_pwned_")]
    [InlineData("ü/é", "___")]
    public void UnsafeNamesBecomeSafeFileNames(string name, string expected)
        => Assert.Equal(expected, TensorStats.SafeFileName(name));

    [Fact]
    public void AVeryLongNameIsCutToTheLimitAndStaysDistinct()
    {
        var a = TensorStats.SafeFileName(new string('a', 300) + "1");
        var b = TensorStats.SafeFileName(new string('a', 300) + "2");

        Assert.Equal(TensorStats.MaxFileStemChars, a.Length);
        Assert.StartsWith(new string('a', 150), a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void CollidingNamesGetNumberedFilesInOrder()
    {
        var names = TensorStats.FileNames(["a:b", "a/b", "a_b.2", "A_B", "c"], ".npy");

        Assert.Equal(["a_b.npy", "a_b.2.npy", "a_b.2.2.npy", "A_B.3.npy", "c.npy"], names.Select(n => n.FileName));
        Assert.Equal(["a:b", "a/b", "a_b.2", "A_B", "c"], names.Select(n => n.Output));
        Assert.Equal(names, TensorStats.FileNames(["a:b", "a/b", "a_b.2", "A_B", "c"], ".npy"));
    }
}
