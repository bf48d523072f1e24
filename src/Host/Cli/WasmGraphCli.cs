using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;
using WasmGraph.Host.Hosting;

namespace WasmGraph.Host.Cli;

/// <summary>
/// The command-line application: verbs, their dependency wiring, and exit codes. To add a verb, write a
/// <c>Command&lt;TSettings&gt;</c> (or <c>AsyncCommand</c>) taking its services in the constructor, and add one
/// <c>verbs.Add&lt;…&gt;(config, "name")</c> line in <see cref="ConfigureVerbs"/>. Parsing is strict: an unknown verb or
/// flag is exit 2 with the closest known name (<see cref="CommandLineCheck"/>), never silently ignored. Everything
/// written to the consoles goes through <see cref="TerminalSafeConsole"/>, so no string from a model, module or plugin
/// can reach the terminal as a control sequence. Applications add their own verbs through <see cref="ICliExtension"/>.
/// </summary>
public static class WasmGraphCli
{
    public static async Task<int> RunAsync(string[] args, HostConsoles? consoles = null, IReadOnlyList<ICliExtension>? extensions = null,
                                           CancellationToken cancellation = default)
    {
        extensions ??= [];
        consoles ??= HostConsoles.CreateDefault();
        consoles = new HostConsoles(TerminalSafeConsole.Wrap(consoles.Out), TerminalSafeConsole.Wrap(consoles.Error), consoles.ErrorIsTerminal);
        var services = new ServiceCollection();
        services.AddSingleton(consoles);
        services.AddSingleton<WasmGraphHostFactory>();
        foreach (var extension in extensions)
        {
            extension.AddServices(services);
        }

        var app = new CommandApp(new TypeRegistrar(services));
        var verbs = new CommandLineCheck();
        app.Configure(config =>
        {
            config.SetApplicationName("wasmgraph");
            config.SetHelpProvider(new WasmGraphHelp(config.Settings));
            config.ConfigureConsole(consoles.Out);
            config.PropagateExceptions();
            config.ValidateExamples();
            config.UseStrictParsing();
            foreach (var extension in extensions)
            {
                extension.AddVerbs(config, verbs);
            }
            ConfigureVerbs(config, verbs);
        });
        try
        {
            var expanded = ExpandVersion(ExpandOptLevel(args));
            verbs.Check(expanded);
            return await app.RunAsync(expanded, cancellation).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            bool verbose = args.Contains("--verbose") || args.Contains("-v");
            return ErrorReporter.Report(e, consoles.Error, verbose);
        }
    }

    private static void ConfigureVerbs(IConfigurator config, CommandLineCheck verbs)
    {
        verbs.Add<CompileCommand>(config, "compile")
            .WithDescription("Compile a model to a self-contained WebAssembly module")
            .WithExample("compile", "model.onnx", "-o", "model.wasm", "--opt-level", "3")
            .WithExample("compile", "model.onnx", "-o", "out/model.wasm", "--passes", "fold-batchnorm,eliminate-dead-code", "--verify-each")
            .WithExample("compile", "model.onnx", "-o", "model.wasm", "--verbose")
            .WithExample("compile", "model.onnx", "-o", "model.wasm", "--dump-ir", "fuse-activation")
            .WithExample("compile", "model.onnx", "-o", "model.wasm", "--input-shape", "input=1,3,224,224")
            .WithExample("compile", "model.onnx", "-o", "model.wasm", "--bind", "pads=pads.npy");
        verbs.Add<TuneCommand>(config, "tune")
            .WithDescription("Measure each layer's candidate kernels in the runtime and write a tuning log for compile --tuning")
            .WithExample("tune", "model.onnx", "-o", "model.tuning.json")
            .WithExample("tune", "model.onnx", "-o", "model.tuning.json", "--input-shape", "input=1,3,224,224", "--repeat", "9");
        verbs.Add<RunCommand>(config, "run")
            .WithDescription("Run a compiled module on .npy inputs or a photo")
            .WithExample("run", "model.wasm", "--image", "cat.png", "--labels", "imagenet")
            .WithExample("run", "model.wasm", "--input", "x=x.npy", "--output-dir", "out", "--reference", "model.onnx", "--repeat", "10")
            .WithExample("run", "model.wasm", "--input", "x=x.npy", "--json");
        verbs.Add<InspectCommand>(config, "inspect")
            .WithDescription("Show the inputs, outputs, op histogram, parameter and arena sizes of an .onnx model or a .wasm module")
            .WithExample("inspect", "model.onnx")
            .WithExample("inspect", "model.wasm")
            .WithExample("inspect", "model.wasm", "--json");
        verbs.Add<PluginsCommand>(config, "plugins")
            .WithDescription("List the discovered plugins and their frontends, passes, backends and runtimes")
            .WithExample("plugins")
            .WithExample("plugins", "--plugins", "my-plugins", "--verbose")
            .WithExample("plugins", "--json");
        verbs.Add<VersionCommand>(config, "version")
            .WithDescription("The versions of the host, each plugin, LLVM and Wasmtime (same as --version)")
            .WithExample("version")
            .WithExample("version", "--json");
    }

    /// <summary>
    /// <c>wasmgraph --version [flags]</c> is the <c>version</c> verb, so it takes the verb's flags (--json, --plugins)
    /// and its help; Spectre's own --version would print only the host's version.
    /// </summary>
    internal static string[] ExpandVersion(string[] args)
        => args is ["--version", .. var rest] ? ["version", .. rest] : args;

    /// <summary>Accepts the compiler-style <c>-O0</c> … <c>-O3</c> as <c>--opt-level N</c>.</summary>
    internal static string[] ExpandOptLevel(string[] args)
        => args.SelectMany(a => a is ['-', 'O', >= '0' and <= '9'] ? new[] { "--opt-level", a[2..] } : new[] { a }).ToArray();
}
