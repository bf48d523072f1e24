using Spectre.Console;

namespace WasmGraph.Host.Hosting;

/// <summary>
/// The two consoles the CLI writes to. Results go to standard output; warnings, errors and progress go to standard
/// error, so that <c>wasmgraph inspect model.wasm &gt; meta.txt</c> captures only the result.
/// </summary>
public sealed class HostConsoles
{
    public HostConsoles(IAnsiConsole output, IAnsiConsole error, bool errorIsTerminal = false)
    {
        Out = output;
        Error = error;
        ErrorIsTerminal = errorIsTerminal;
    }

    public IAnsiConsole Out { get; }
    public IAnsiConsole Error { get; }

    /// <summary>
    /// Whether standard error is a terminal (not redirected to a file, pipe or test). Progress is shown only then,
    /// unless a verb's <c>--progress</c> asks for it (see <see cref="Cli.HostCommandSettings.ShowsProgress"/>).
    /// </summary>
    public bool ErrorIsTerminal { get; }

    /// <summary>
    /// Consoles on the process's stdout and stderr. When a stream is redirected (a log, a pipe, a test), lines are not
    /// wrapped at 80 columns, so paths and messages stay whole for grep and for copying.
    /// </summary>
    public static HostConsoles CreateDefault()
    {
        var output = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsOutputRedirected)
        {
            output.Profile.Width = UnwrappedWidth;
        }
        if (Console.IsErrorRedirected)
        {
            error.Profile.Width = UnwrappedWidth;
        }
        return new HostConsoles(output, error, errorIsTerminal: !Console.IsErrorRedirected);
    }

    private const int UnwrappedWidth = 4096;

    public void Warn(string message) => Error.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");
}
