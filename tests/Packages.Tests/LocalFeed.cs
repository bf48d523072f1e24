using System.Reflection;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Packages.Tests;

/// <summary>
/// The packages of <c>./wasmgraph pack</c> (artifacts/packages) as a NuGet feed, and a temp folder outside the
/// repository where the tests make their projects, as a third party would. A NuGet.config there maps WasmGraph.* to
/// the local feed and everything else to NuGet.org. Restores go into artifacts/package-tests/nuget (NUGET_PACKAGES), so
/// the user's package cache is never touched; its third-party packages are kept between runs for speed, while every
/// wasmgraph.* package in it is deleted first, so a package of the same version packed earlier is never reused.
/// </summary>
public sealed class LocalFeed : IDisposable
{
    public static readonly string[] PackageIds =
        ["WasmGraph.Abstractions", "WasmGraph.Onnx", "WasmGraph.Compiler", "WasmGraph.Runtime", "WasmGraph.Cli", "WasmGraph.Templates"];

    private readonly TempDirectory _root = new();

    public LocalFeed()
    {
        Version = typeof(IPluginFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Directory = Path.Combine(TestFiles.RepoRoot, "artifacts", "packages");
        var builtHost = new FileInfo(Path.Combine(TestFiles.RepoRoot, "artifacts", "host", "WasmGraph.Host.dll"));
        foreach (var id in PackageIds)
        {
            var package = new FileInfo(PackagePath(id));
            Assert.True(package.Exists, $"{package.FullName} is missing: run ./wasmgraph pack (./wasmgraph test does)");
            Assert.True(package.LastWriteTimeUtc >= builtHost.LastWriteTimeUtc,
                        $"{package.FullName} is older than the build ({builtHost.FullName}): run ./wasmgraph pack");
        }

        PackagesFolder = Path.Combine(TestFiles.RepoRoot, "artifacts", "package-tests", "nuget");
        System.IO.Directory.CreateDirectory(PackagesFolder);
        foreach (var stale in System.IO.Directory.GetDirectories(PackagesFolder, "wasmgraph.*"))
        {
            System.IO.Directory.Delete(stale, recursive: true);
        }

        // Nothing above the temp folder may leak MSBuild settings into the projects made here.
        File.WriteAllText(_root.File("Directory.Build.props"), "<Project />");
        File.WriteAllText(_root.File("Directory.Build.targets"), "<Project />");
        File.WriteAllText(_root.File("NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="wasmgraph-local" value="{Directory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="wasmgraph-local"><package pattern="WasmGraph.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
    }

    /// <summary>The version of every package: the one these tests were built with (Directory.Build.props).</summary>
    public string Version { get; }

    /// <summary>artifacts/packages.</summary>
    public string Directory { get; }

    public string PackagesFolder { get; }

    /// <summary>The temp folder the projects are made in (holds the NuGet.config).</summary>
    public string Root => _root.Path;

    public string NuGetConfig => _root.File("NuGet.config");

    /// <summary>What every dotnet command here runs with: the isolated package folder.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = PackagesFolder };

    public string PackagePath(string id) => Path.Combine(Directory, $"{id}.{Version}.nupkg");

    /// <summary>A new folder for one test's projects, under <see cref="Root"/> (so NuGet finds the feed's config).</summary>
    public string NewFolder(string name)
    {
        var path = _root.File(name);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A console application referencing <paramref name="packages"/> of <see cref="Version"/>, with <paramref name="program"/> as Program.cs.</summary>
    public string NewConsoleApp(string name, IEnumerable<string> packages, string program)
    {
        var folder = NewFolder(name);
        var references = string.Join("\n", packages.Select(p => $"""    <PackageReference Include="{p}" Version="{Version}" />"""));
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), program);
        return folder;
    }

    /// <summary>Builds a project made by <see cref="NewConsoleApp"/> and returns its dll.</summary>
    public string Build(string folder)
    {
        DotnetProcess.Dotnet(folder, Environment, "build", "-c", "Release", "--disable-build-servers", "-p:UseSharedCompilation=false")
            .Succeeds($"building {folder}");
        return Path.Combine(folder, "bin", "Release", "net10.0", Path.GetFileName(folder) + ".dll");
    }

    public void Dispose() => _root.Dispose();
}

[CollectionDefinition(Name)]
public sealed class LocalFeedCollection : ICollectionFixture<LocalFeed>
{
    public const string Name = "local NuGet feed";
}
