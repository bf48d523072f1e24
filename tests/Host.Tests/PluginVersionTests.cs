using System.Diagnostics;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.Tests;

/// <summary>
/// A plugin built against another major version of WasmGraph.Abstractions is skipped with an explanation, and the
/// plugins beside it keep working. The "future" contracts are a real assembly named WasmGraph.Abstractions at version
/// 2.0.0, built here, so the host sees exactly what a stale or too-new plugin would give it.
/// </summary>
public sealed class PluginVersionTests : IDisposable
{
    private readonly TempDirectory _root = TestPaths.NewTempDirectory();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void APluginBuiltAgainstAnotherMajorVersionIsExplainedAndSkipped()
    {
        var plugins = BuildFuturePlugin();
        // An unrelated, working plugin in the same directory.
        CopyDirectory(Path.Combine(TestPaths.PluginsDirectory, "Frontends.Onnx"), Path.Combine(plugins, "Frontends.Onnx"));

        var result = HostProcess.Run("plugins", "--plugins", plugins);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("plugin 'Future' skipped", result.StdErr);
        Assert.Contains("built against WasmGraph.Abstractions 2.0.0.0, but this host has 1.", result.StdErr);
        Assert.Contains("major versions must match", result.StdErr);
        Assert.Contains(" onnx ", result.StdOut);
    }

    [Fact]
    public void ATemporaryLeftByAKilledWriterIsSweptButALiveWritersIsNot()
    {
        using var dir = TestPaths.NewTempDirectory();
        var target = dir.File("model.wasm");
        int deadPid = DeadProcessId();
        var abandoned = dir.File($".model.wasm.{deadPid}.0123456789abcdef.tmp");
        var live = dir.File($".model.wasm.{Environment.ProcessId}.fedcba9876543210.tmp");
        var other = dir.File($".other.wasm.{deadPid}.0123456789abcdef.tmp");
        foreach (var file in new[] { abandoned, live, other })
        {
            File.WriteAllBytes(file, [1, 2, 3]);
        }

        AtomicFile.WriteAllBytes(target, [4, 5, 6]);

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other)); // another target's temporaries are not ours to judge
        Assert.Equal([4, 5, 6], File.ReadAllBytes(target));
    }

    [Fact]
    public void ACancelledWriteLeavesTheOldFileAndNoTemporary()
    {
        using var dir = TestPaths.NewTempDirectory();
        var target = dir.File("model.wasm");
        AtomicFile.WriteAllBytes(target, [1]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => AtomicFile.WriteAllBytes(target, new byte[10 << 20], cancelled.Token));

        Assert.Equal([target], Directory.GetFiles(dir.Path));
        Assert.Equal([1], File.ReadAllBytes(target));
    }

    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    private string BuildFuturePlugin()
    {
        File.WriteAllText(_root.File("Directory.Build.props"), "<Project />");
        var plugins = _root.File("plugins");
        var contracts = _root.File("src/Abstractions");
        var plugin = _root.File("src/Future");
        Directory.CreateDirectory(contracts);
        Directory.CreateDirectory(plugin);
        File.WriteAllText(Path.Combine(contracts, "Contracts.cs"),
            "namespace WasmGraph.Abstractions.Plugins; public interface IPluginFactory { void Configure(object services); }");
        File.WriteAllText(Path.Combine(contracts, "Abstractions.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <AssemblyName>WasmGraph.Abstractions</AssemblyName>
                <Version>2.0.0</Version>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(plugin, "Future.cs"), """
            namespace Future;
            public sealed class FutureFactory : WasmGraph.Abstractions.Plugins.IPluginFactory
            {
                public void Configure(object services) { }
            }
            """);
        File.WriteAllText(Path.Combine(plugin, "Future.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDynamicLoading>true</EnableDynamicLoading>
                <OutputPath>{Path.Combine(plugins, "Future")}/</OutputPath>
                <AppendTargetFrameworkToOutputPath>false</AppendTargetFrameworkToOutputPath>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Abstractions/Abstractions.csproj" Private="false" />
              </ItemGroup>
            </Project>
            """);
        HostProcess.DotnetBuild(plugin, "the Future plugin");
        Assert.False(File.Exists(Path.Combine(plugins, "Future", "WasmGraph.Abstractions.dll")), "the old contracts must not ship with the plugin");
        return plugins;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
