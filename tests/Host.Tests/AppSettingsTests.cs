using System.Text.Json;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;

namespace WasmGraph.Host.Tests;

/// <summary>
/// appsettings.json spells out the defaults so users can see what to override; the code's defaults are constants
/// (<see cref="BackendOptions.DefaultFeatures"/>), so the two copies must agree.
/// </summary>
public sealed class AppSettingsTests
{
    private static JsonElement Backend()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src", "Host", "appsettings.json")));
        return json.RootElement.GetProperty("Pipeline").GetProperty("Backend").Clone();
    }

    [Fact]
    public void TheFeatureStringInAppSettingsIsTheBackendDefault()
        => Assert.Equal(BackendOptions.DefaultFeatures, Backend().GetProperty("Features").GetString());

    [Fact]
    public void TheConvAlgorithmInAppSettingsIsTheBackendDefault()
    {
        Assert.Equal(BackendOptions.DefaultConvAlgorithm, Backend().GetProperty("ConvAlgorithm").GetString());
        Assert.Equal(BackendOptions.DefaultConvAlgorithm, new BackendSection().ConvAlgorithm);
    }

    [Fact]
    public void NoTuningLogIsAppliedByDefault()
    {
        Assert.Equal("", Backend().GetProperty("Tuning").GetString());
        Assert.Equal("", new BackendSection().Tuning);
        Assert.Null(new BackendOptions().Tuning);
    }

    [Fact]
    public void TheHostsBackendSectionDefaultsToTheBackendDefaultFeatures()
        => Assert.Equal(BackendOptions.DefaultFeatures, new BackendSection().Features);
}
