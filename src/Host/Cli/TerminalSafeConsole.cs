using Spectre.Console;
using Spectre.Console.Rendering;

namespace WasmGraph.Host.Cli;

/// <summary>
/// The backstop against terminal escape injection: a console that escapes control characters (see
/// <see cref="Format.IsUnsafeForTerminal"/>) in the text of everything written to it, while passing through the
/// control codes Spectre itself emits (colours, cursor moves of a progress display) and line breaks. Strings from
/// models and modules are also escaped and shortened where they are printed (<see cref="Format.Untrusted"/>), which
/// keeps tables aligned; this catches the place someone forgets, including messages quoted by plugins.
/// </summary>
public sealed class TerminalSafeConsole : IAnsiConsole
{
    private readonly IAnsiConsole _inner;

    public TerminalSafeConsole(IAnsiConsole inner) => _inner = inner;

    public Profile Profile => _inner.Profile;
    public IAnsiConsoleCursor Cursor => _inner.Cursor;
    public IAnsiConsoleInput Input => _inner.Input;
    public IExclusivityMode ExclusivityMode => _inner.ExclusivityMode;
    public RenderPipeline Pipeline => _inner.Pipeline;

    public void Clear(bool home) => _inner.Clear(home);

    public void Write(IRenderable renderable) => _inner.Write(new Escaped(renderable));

    public void WriteAnsi(Action<AnsiWriter> action) => _inner.WriteAnsi(action);

    /// <summary>Wraps a console once; wrapping a wrapped console is a no-op.</summary>
    public static IAnsiConsole Wrap(IAnsiConsole console) => console as TerminalSafeConsole ?? new TerminalSafeConsole(console);

    private sealed class Escaped : IRenderable
    {
        private readonly IRenderable _inner;

        public Escaped(IRenderable inner) => _inner = inner;

        public Measurement Measure(RenderOptions options, int maxWidth) => _inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
        {
            foreach (var segment in _inner.Render(options, maxWidth))
            {
                if (segment.IsControlCode || segment.IsLineBreak || !segment.Text.Any(Format.IsUnsafeForTerminal))
                {
                    yield return segment;
                }
                else
                {
                    yield return new Segment(Format.ControlFree(segment.Text), segment.Style, segment.Link);
                }
            }
        }
    }
}
