namespace WasmGraph.Host.Tests;

/// <summary>
/// The Pipeline section of a --config file or of WASMGRAPH_ environment variables is checked before it is bound: a
/// value of the wrong type is exit 2 naming the key and what is allowed (not an internal error), and a misspelled key,
/// pass name or pass option is exit 2 naming the closest known one (not silently ignored).
/// </summary>
public sealed class ConfigurationCheckTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private HostResult CompileWithConfig(string json, IDictionary<string, string>? environment = null)
    {
        var model = _dir.File("m.onnx");
        File.WriteAllBytes(model, [8, 7]);
        var config = _dir.File("config.json");
        File.WriteAllText(config, json);
        return HostProcess.Run(["compile", model, "-o", _dir.File("m.wasm"), "--config", config], environment);
    }

    private static void AssertConfigError(HostResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error: invalid configuration:", result.StdErr);
        Assert.Contains(expected, result.StdErr);
        Assert.DoesNotContain("internal error", result.StdErr);
    }

    [Fact]
    public void AnOptLevelThatIsNotANumberInAConfigFileNamesTheKeyAndTheAllowedValues()
        => AssertConfigError(CompileWithConfig("""{ "Pipeline": { "Backend": { "OptLevel": "high" } } }"""),
                             "Pipeline:Backend:OptLevel must be an integer from 0 to 3, not 'high'");

    [Fact]
    public void AnOptLevelThatIsNotANumberInTheEnvironmentNamesTheKeyAndTheAllowedValues()
        => AssertConfigError(CompileWithConfig("{}", new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Backend__OptLevel"] = "high" }),
                             "Pipeline:Backend:OptLevel must be an integer from 0 to 3, not 'high'");

    [Fact]
    public void ADeterministicFlagThatIsNotABooleanIsRefused()
        => AssertConfigError(CompileWithConfig("""{ "Pipeline": { "Backend": { "Deterministic": "maybe" } } }"""),
                             "Pipeline:Backend:Deterministic must be true or false, not 'maybe'");

    [Fact]
    public void AMisspelledPipelineKeyNamesTheClosestKey()
        => AssertConfigError(CompileWithConfig("""{ "Pipeline": { "Backend": { "OptLevl": 1 } } }"""),
                             "Pipeline:Backend:OptLevl: not a setting; did you mean 'Pipeline:Backend:OptLevel'?");

    [Fact]
    public void PassOptionsForAMisspelledPassNameTheClosestPass()
        => AssertConfigError(CompileWithConfig("""{ "Pipeline": { "PassOptions": { "plan-memroy": { "Alignment": 64 } } } }"""),
                             "Pipeline:PassOptions:plan-memroy: no loaded pass is named 'plan-memroy'; did you mean 'plan-memory'?");

    [Fact]
    public void AMisspelledPassOptionNamesTheClosestOptionOfThatPass()
        => AssertConfigError(CompileWithConfig("""{ "Pipeline": { "PassOptions": { "plan-memory": { "Alignmnet": 64 } } } }"""),
                             "Pipeline:PassOptions:plan-memory:Alignmnet: pass 'plan-memory' has no option 'Alignmnet'; did you mean 'Pipeline:PassOptions:plan-memory:Alignment'?");

    [Fact]
    public void AMisspelledPluginsKeyNamesTheClosestKey()
        => AssertConfigError(CompileWithConfig("""{ "Plugins": { "Directroy": "elsewhere" } }"""),
                             "Plugins:Directroy: not a setting; did you mean 'Plugins:Directory'?");

    [Fact]
    public void EveryProblemIsListedAtOnce()
    {
        var result = CompileWithConfig("""{ "Pipeline": { "Backend": { "OptLevel": "high" }, "Passses": [] } }""");

        AssertConfigError(result, "Pipeline:Backend:OptLevel");
        Assert.Contains("Pipeline:Passses: not a setting; did you mean 'Pipeline:Passes'?", result.StdErr);
    }

    [Fact]
    public void CorrectlySpelledPassOptionsAreAccepted()
    {
        var result = CompileWithConfig("""{ "Pipeline": { "PassOptions": { "plan-memory": { "alignment": 64, "Strategy": "in-order" } } } }""");

        // The config passes; the junk model is what fails.
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("invalid configuration", result.StdErr);
        Assert.Contains("m.onnx", result.StdErr);
    }

    [Fact]
    public void APassListedBeforeOneItMustRunAfterIsAConfigurationErrorNamingBoth()
        => AssertConfigError(CompileWithConfig("""{ "Pipeline": { "Passes": [ "fuse-activation", "fold-batchnorm", "plan-memory" ] } }"""),
                             "pass 'fuse-activation' must run after 'fold-batchnorm' when both are in the pipeline");

    [Fact]
    public void APassWithoutThePassItRequiresIsAConfigurationErrorNamingBoth()
        => AssertConfigError(CompileWithConfig("""{ "Pipeline": { "Passes": "fuse-activation,convert-conv-layout" } }"""),
                             "pass 'convert-conv-layout' requires 'fuse-residual' to run before it");

    [Fact]
    public void TheDefaultPipelinePassesTheOrderCheck()
    {
        var result = CompileWithConfig("{}");

        // The configuration (appsettings.json's pipeline) passes; the junk model is what fails.
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("invalid configuration", result.StdErr);
        Assert.Contains("m.onnx", result.StdErr);
    }
}
