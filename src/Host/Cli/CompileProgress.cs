using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.Cli;

/// <summary>
/// Shows a compilation as it runs, on standard error. On an interactive terminal: a Spectre progress display with one
/// task per stage (frontend, each pass, backend, write) plus one for the backend's kernels. Elsewhere (CI logs, pipes,
/// tests) it writes one plain line per finished stage and backend step, and kernel counts at quarters only, so a log
/// stays short and greppable. Backends report steps named <c>kernel i/n</c> for each generated kernel group and plain
/// names ("codegen", "llvm-opt", …) for the rest.
/// </summary>
internal static partial class CompileProgress
{
    [GeneratedRegex(@"^kernel (\d+)/(\d+)$")]
    private static partial Regex KernelStep();

    private static bool TryKernel(string step, out int done, out int total)
    {
        var match = KernelStep().Match(step);
        done = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        total = match.Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return match.Success;
    }

    /// <summary>Runs <paramref name="compile"/> with a live display when <paramref name="live"/>, else with plain lines.</summary>
    public static CompileResult Run(IAnsiConsole console, bool live, CompileObserver observer, Func<CompileObserver, CompileResult> compile)
    {
        if (!live)
        {
            return compile(new PlainLines(console).Attach(observer));
        }
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context => compile(new LiveTasks(context).Attach(observer)));
    }

    private static string Pad(string stage, int width) => stage.PadRight(width);

    /// <summary>One line per finished stage; backend steps and kernel quarters in between.</summary>
    private sealed class PlainLines(IAnsiConsole console)
    {
        private readonly Stopwatch _step = new();
        private readonly Lock _gate = new();
        private IReadOnlyList<string> _plan = [];
        private string _stage = "";
        private int _width;
        private int _lastQuarter;

        public CompileObserver Attach(CompileObserver inner) => inner with
        {
            Planned = plan =>
            {
                _plan = plan;
                _width = plan.Max(s => s.Length);
                inner.Planned?.Invoke(plan);
            },
            StageStarted = stage =>
            {
                _stage = stage;
                _lastQuarter = 0;
                _step.Restart();
                inner.StageStarted?.Invoke(stage);
            },
            StageFinished = timing =>
            {
                var nodes = (timing.NodesBefore, timing.NodesAfter) switch
                {
                    (null, { } after) => $"  {after} nodes",
                    ({ } before, { } after) => $"  {before} → {after} nodes",
                    _ => "",
                };
                Line($"{Prefix(timing.Stage)} {Pad(timing.Stage, _width)} {Format.Ms(timing.Milliseconds),10}{nodes}");
                inner.StageFinished?.Invoke(timing);
            },
            BackendProgress = new Reporter(report =>
            {
                if (TryKernel(report.Step, out int done, out int total))
                {
                    int quarter = 4 * done / Math.Max(1, total);
                    if (quarter > _lastQuarter)
                    {
                        _lastQuarter = quarter;
                        Line($"{Prefix(_stage)} {_stage}: kernels {done}/{total}");
                    }
                }
                else
                {
                    Line($"{Prefix(_stage)} {_stage}: {report.Step} {Format.Ms(_step.Elapsed.TotalMilliseconds)}");
                    _step.Restart();
                }
                inner.BackendProgress?.Report(report);
            }),
        };

        private string Prefix(string stage)
        {
            int index = _plan.ToList().IndexOf(stage) + 1;
            int digits = _plan.Count.ToString(CultureInfo.InvariantCulture).Length;
            return $"[{index.ToString(CultureInfo.InvariantCulture).PadLeft(digits)}/{_plan.Count}]";
        }

        private void Line(string text)
        {
            lock (_gate)
            {
                console.WriteLine(text);
            }
        }
    }

    /// <summary>A Spectre task per stage, created from the plan so the whole pipeline is visible from the start.</summary>
    private sealed class LiveTasks(ProgressContext context)
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
        private ProgressTask? _current;
        private ProgressTask? _kernels;
        private string _stage = "";

        public CompileObserver Attach(CompileObserver inner) => inner with
        {
            Planned = plan =>
            {
                foreach (var stage in plan)
                {
                    _tasks[stage] = context.AddTask(Markup.Escape(stage), autoStart: false, maxValue: 1);
                }
                inner.Planned?.Invoke(plan);
            },
            StageStarted = stage =>
            {
                _stage = stage;
                _current = _tasks.GetValueOrDefault(stage) ?? context.AddTask(Markup.Escape(stage), maxValue: 1);
                _current.StartTask();
                _current.IsIndeterminate = true;
                inner.StageStarted?.Invoke(stage);
            },
            StageFinished = timing =>
            {
                if (_tasks.GetValueOrDefault(timing.Stage) is { } task)
                {
                    task.IsIndeterminate = false;
                    task.Description = $"{Markup.Escape(timing.Stage)} [grey]{Format.Ms(timing.Milliseconds)}[/]";
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
                inner.StageFinished?.Invoke(timing);
            },
            BackendProgress = new Reporter(report =>
            {
                if (_current is { } backend)
                {
                    backend.IsIndeterminate = false;
                    if (TryKernel(report.Step, out int done, out int total))
                    {
                        _kernels ??= context.AddTaskAfter("  kernels", new ProgressTaskSettings { MaxValue = total }, backend);
                        _kernels.Value = done;
                        if (done >= total)
                        {
                            _kernels.StopTask();
                        }
                    }
                    else
                    {
                        backend.Description = $"{Markup.Escape(_stage)}: {Markup.Escape(report.Step)} done";
                    }
                    backend.Value = Math.Clamp(report.Fraction, 0, 1);
                }
                inner.BackendProgress?.Report(report);
            }),
        };
    }

    /// <summary>A synchronous <see cref="IProgress{T}"/>, so reports are shown in order and before the step after them.</summary>
    private sealed class Reporter(Action<(string Step, double Fraction)> report) : IProgress<(string Step, double Fraction)>
    {
        public void Report((string Step, double Fraction) value) => report(value);
    }
}
