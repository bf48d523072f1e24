using Spectre.Console;
using WasmGraph.Apps.Cli;
using WasmGraph.Host.Hosting;

namespace WasmGraph.Host.Tests;

/// <summary>
/// The CLI entry point, core and apps (<see cref="WasmGraphApps.RunAsync"/>), called in this process with both consoles captured: for
/// checks that end before any plugin is loaded (parsing, flag validation), at a fraction of a process launch's cost.
/// The consoles have ANSI off, so any escape character in the captured text came from the input, not from colouring.
/// </summary>
public static class InProcessCli
{
    public static HostResult Run(params string[] args) => Run(args, CancellationToken.None);

    public static HostResult Run(string[] args, CancellationToken cancellation)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var consoles = new HostConsoles(Plain(stdout), Plain(stderr));
        int exit = WasmGraphApps.RunAsync(args, consoles, cancellation).GetAwaiter().GetResult();
        return new HostResult(exit, stdout.ToString(), stderr.ToString());
    }

    public static IAnsiConsole Plain(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 4096;
        return console;
    }
}
