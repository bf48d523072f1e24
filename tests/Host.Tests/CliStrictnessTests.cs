using WasmGraph.Host.Cli;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Every verb parses strictly: an unknown flag or verb is exit 2 naming it and the closest known one, so a typo in a
/// limit (<c>--max-memroy</c>, <c>--timeot</c>) cannot silently run without the limit.
/// </summary>
public sealed class CliStrictnessTests
{
    [Fact]
    public void AMisspelledLimitOnRunIsRefusedNotIgnored()
    {
        using var dir = TestPaths.NewTempDirectory();

        var result = HostProcess.Run("run", dir.File("m.wasm"), "--max-memroy", "1", "--timeot", "0.1");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error: unknown option '--max-memroy' for 'run'; did you mean '--max-memory'?", result.StdErr);
        Assert.DoesNotContain("m.wasm", result.StdErr); // refused before the module is even looked at
    }

    [Theory]
    [InlineData("run", "--max-memroy", "--max-memory")]
    [InlineData("run", "--output-dri", "--output-dir")]
    [InlineData("compile", "--opt-levl", "--opt-level")]
    [InlineData("compile", "--input-shapes", "--input-shape")]
    [InlineData("inspect", "--verbos", "--verbose")]
    [InlineData("demo", "--repaet", "--repeat")]
    [InlineData("conformance", "--filtr", "--filter")]
    [InlineData("zoo", "--sed", "--seed")]
    [InlineData("plugins", "--plugin", "--plugins")]
    public void AnUnknownOptionOnAnyVerbNamesTheClosestKnownOne(string verb, string typo, string suggestion)
    {
        string[] args = verb is "plugins" ? [verb, typo, "x"] : [verb, "file", typo, "x"];

        var result = InProcessCli.Run(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"unknown option '{typo}' for '{verb}'; did you mean '{suggestion}'?", result.StdErr);
    }

    [Fact]
    public void AnUnknownOptionFarFromEveryKnownOneListsTheVerbsOptions()
    {
        var result = InProcessCli.Run("run", "m.wasm", "--frobnicate");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown option '--frobnicate' for 'run'; its options are: ", result.StdErr);
        Assert.Contains("--max-memory", result.StdErr);
    }

    [Theory]
    [InlineData("rn", "did you mean 'run'?")]
    [InlineData("complie", "did you mean 'compile'?")]
    [InlineData("frobnicate", "known: compile, conformance, demo, inspect, plugins, quantize, run, tune, version, zoo")] // in process: core and apps (serve is the exe's)
    public void AnUnknownVerbNamesTheClosestVerb(string verb, string expected)
    {
        var result = InProcessCli.Run(verb, "x");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"unknown verb '{verb}'", result.StdErr);
        Assert.Contains(expected, result.StdErr);
    }

    [Fact]
    public void AFlagHiddenAfterADoubleDashIsRefusedNotIgnored()
    {
        var result = InProcessCli.Run("run", "m.wasm", "--", "--timeout", "5");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("'run' takes no arguments after '--', but got '--timeout'", result.StdErr);
    }

    [Fact]
    public void TheVersionFlagPrintsTheVersion()
    {
        var result = InProcessCli.Run("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^wasmgraph \d+\.\d+\.\d+ ", result.StdOut.Trim()); // then plugins and native libraries (CliVersionTests)
    }

    [Fact]
    public void AnUnknownOptionBeforeTheVerbSaysTheVerbComesFirst()
    {
        var result = InProcessCli.Run("--timeout", "5", "run", "m.wasm");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown option '--timeout'", result.StdErr);
        Assert.Contains("a verb comes first", result.StdErr);
    }

    [Fact]
    public void AnUnknownShortFlagInAGroupIsRefused()
    {
        var result = InProcessCli.Run("conformance", "-vx"); // -v is a flag (-q too, since --quiet), -x is not

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown option '-vx' for 'conformance'", result.StdErr);
    }

    [Theory]
    [InlineData("--scale", "-1/255")]
    [InlineData("--mean", "-0.5,-0.5,-0.5")]
    public void AValueStartingWithADashIsAValueNotAnOption(string flag, string value)
    {
        using var dir = TestPaths.NewTempDirectory();

        var result = InProcessCli.Run("run", dir.File("missing.wasm"), flag, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("unknown option", result.StdErr);
        Assert.Contains("missing.wasm", result.StdErr);
    }

    [Fact]
    public void InlineValuesAndTheOptLevelShorthandAreStillAccepted()
    {
        using var dir = TestPaths.NewTempDirectory();

        var result = InProcessCli.Run("compile", dir.File("missing.onnx"), "-O2", "--passes=fold-constants");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("unknown option", result.StdErr);
        Assert.Contains("missing.onnx", result.StdErr);
    }

    [Fact]
    public void EveryOptionOfEveryVerbIsKnownToTheCheck()
    {
        // The check reads the options from the settings classes; a verb's help and the check cannot disagree.
        var options = CommandLineCheck.OptionsOf(typeof(RunSettings));

        Assert.True(options["--timeout"].TakesValue);
        Assert.Equal(typeof(double), options["--timeout"].Type);
        Assert.True(options["-i"].TakesValue);
        Assert.False(options["--verbose"].TakesValue);
        Assert.Contains("--config", options.Keys);
    }
}
