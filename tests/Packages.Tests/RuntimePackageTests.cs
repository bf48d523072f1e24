using System.IO.Compression;
using System.Xml.Linq;

namespace WasmGraph.Packages.Tests;

/// <summary>
/// WasmGraph.Runtime from a fresh console application: the README's "Use it from .NET" example, built as written,
/// runs a compiled module and prints the numbers ONNX Runtime gives; the package brings no compiler with it.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public sealed class RuntimePackageTests(LocalFeed feed)
{
    [Fact]
    public void TheReadmeExampleRunsAModuleThroughTheRuntimePackage()
    {
        var model = new TinyModel();
        var app = feed.NewConsoleApp("ReadmeApp", ["WasmGraph.Runtime"], ReadmeExample());
        var module = model.SaveModule(app);

        var dll = feed.Build(app);
        var run = DotnetProcess.Dotnet(app, feed.Environment, [dll, module, .. TinyModel.InputArguments]).Succeeds("the README example");

        model.AssertPrinted(run.StdOut);
        var output = Path.GetDirectoryName(dll)!;
        Assert.True(File.Exists(Path.Combine(output, "WasmGraph.Runtimes.Wasmtime.dll")));
        foreach (var compilerPart in new[] { "WasmGraph.Host.dll", "WasmGraph.Onnx.dll", "WasmGraph.Backends.LlvmWasm.dll", "Google.Protobuf.dll" })
        {
            Assert.False(File.Exists(Path.Combine(output, compilerPart)), $"{compilerPart} came with WasmGraph.Runtime");
        }
    }

    [Fact]
    public void TheRuntimePackageDependsOnlyOnTheAbstractionsAndWasmtime()
    {
        using var package = ZipFile.OpenRead(feed.PackagePath("WasmGraph.Runtime"));
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string)e.Attribute("id")!).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["WasmGraph.Abstractions", "Wasmtime"], dependencies);
        Assert.Contains(package.Entries, e => e.FullName == "lib/net10.0/WasmGraph.Runtimes.Wasmtime.xml");
        using var readme = new StreamReader(package.GetEntry("README.md")!.Open());
        Assert.Contains(ReadmeExample(), readme.ReadToEnd());   // the package's README shows the example the other test builds
    }

    /// <summary>The first C# block under the README's "Use it from .NET" heading, as a user would copy it.</summary>
    private static string ReadmeExample()
    {
        var readme = File.ReadAllText(Path.Combine(TestFiles.RepoRoot, "README.md"));
        int heading = readme.IndexOf("## Use it from .NET", StringComparison.Ordinal);
        Assert.True(heading >= 0, "README.md has no '## Use it from .NET' section");
        int start = readme.IndexOf("```csharp\n", heading, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end];
    }
}
