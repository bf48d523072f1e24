using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WasmGraph.Abstractions;
using Spectre.Console;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Compiler;

/// <summary>
/// How <see cref="WasmGraphCompiler"/> is configured: the same layers as the CLI (the package's appsettings.json,
/// <see cref="ConfigFile"/>, <c>WASMGRAPH_*</c> environment variables, then <see cref="Settings"/>), the same plugins.
/// </summary>
public sealed record CompilerOptions
{
    /// <summary>A JSON config in the CLI's shape (<c>Pipeline</c>, <c>Plugins</c>), like <c>--config</c>.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Config keys set from code, highest priority, e.g. <c>["Pipeline:Backend:OptLevel"] = "2"</c>.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = ImmutableDictionary<string, string?>.Empty;

    /// <summary>Replaces the pass list, like <c>--passes</c>; null keeps the configured one.</summary>
    public IReadOnlyList<string>? Passes { get; init; }

    /// <summary>A plugins directory added to the built-in plugins, like <c>--plugins</c>.</summary>
    public string? PluginsDirectory { get; init; }

    /// <summary>Pin input shapes, like <c>--input-shape NAME=1,3,224,224</c>.</summary>
    public IReadOnlyDictionary<string, long[]> InputShapes { get; init; } = ImmutableDictionary<string, long[]>.Empty;

    /// <summary>Verify the IR after the frontend and after every pass, like <c>--verify-each</c>.</summary>
    public bool VerifyEach { get; init; }

    /// <summary>
    /// Where the built-in plugins and the default appsettings.json are. The WasmGraph.Compiler package copies them to
    /// <c>wasmgraph/</c> beside the application, which is the default.
    /// </summary>
    public string HomeDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "wasmgraph");

    /// <summary>Where warnings (a plugin that was skipped) go; standard error by default.</summary>
    public TextWriter? Warnings { get; init; }
}

/// <summary>
/// The embedding API of the <c>WasmGraph.Compiler</c> package: compiles an ONNX model into a WasmGraph module from
/// .NET code with exactly the CLI's pipeline (<see cref="CompilePipeline"/>), configuration and plugins; the CLI's
/// <c>compile</c> verb is the same call behind flags. Compiling needs LLVM 19 and wasm-ld-19 on the system (Debian:
/// <c>apt-get install libllvm19 lld-19</c>); without them it fails with a <see cref="WasmGraphException"/>
/// saying so. Bad input (a missing or invalid model, a bad setting) is a <see cref="WasmGraphException"/>
/// naming the file, node and op; the module is written atomically or not at all.
/// </summary>
public static class WasmGraphCompiler
{
    /// <summary>Compiles <paramref name="modelPath"/> into <paramref name="outputPath"/>; the result holds the module's bytes and metadata.</summary>
    public static async Task<CompileResult> CompileAsync(string modelPath, string outputPath, CompilerOptions? options = null,
                                                         CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        options ??= new CompilerOptions();
        var warnings = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(options.Warnings ?? Console.Error),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        var consoles = new HostConsoles(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), warnings);
        var settings = new HostSettings
        {
            ConfigFile = options.ConfigFile,
            PluginsDirectory = options.PluginsDirectory,
            HomeDirectory = options.HomeDirectory,
            Overrides = options.Settings,
            Passes = options.Passes,
            Needs = PipelineStages.Compile,
        };
        var request = new CompileRequest(Path.GetFullPath(modelPath), Path.GetFullPath(outputPath))
        {
            InputShapes = options.InputShapes.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutableArray(), StringComparer.Ordinal),
            VerifyEach = options.VerifyEach,
        };
        // As the compile verb does: never write over the model, the config or something that is not a regular file.
        OutputPath.Check(request.OutputPath, "output", [request.ModelPath, options.ConfigFile]);
        IHost host;
        try
        {
            host = await new WasmGraphHostFactory(consoles).StartAsync(settings, cancellation).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            throw new WasmGraphException(string.Join("; ", e.Failures), e);
        }
        using (host)
        {
            return host.Services.GetRequiredService<CompilePipeline>().Compile(request, cancellation: cancellation);
        }
    }
}
