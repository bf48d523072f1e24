using CsCheck;
using WasmGraph.Host.Cli;
using WasmGraph.Apps.Cli;
using WasmGraph.Apps.Demo;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Random and mutated command lines for every verb (known flags with hostile values, misspelled flags, stray tokens,
/// empty strings, huge and non-finite numbers, control characters, paths of every wrong kind) end with exit 0 or 2 and
/// no internal error, no stack trace and no raw control character on either stream. Most cases run in this process
/// with the command already cancelled, so a command line that passes every check stops before any real work (exit 130);
/// a bounded number run as real processes without plugins, where nothing is cancelled.
/// </summary>
public sealed class CliArgumentPropertyTests : IDisposable
{
    private const int InProcessCases = 600;
    private const int ProcessCases = 40;

    /// <summary>Each verb, its settings, and whether it takes a positional file or name first.</summary>
    private static readonly (string Verb, Type Settings, bool Positional)[] Verbs =
    [
        ("run", typeof(RunSettings), true),
        ("compile", typeof(CompileSettings), true),
        ("inspect", typeof(InspectSettings), true),
        ("demo", typeof(DemoSettings), false),
        ("conformance", typeof(ConformanceSettings), false),
        ("zoo", typeof(ZooSettings), true),
        ("plugins", typeof(HostCommandSettings), false),
    ];

    private static readonly string[] Numbers =
    [
        "0", "-1", "1", "2", "-0", "3.5", "NaN", "Infinity", "-Infinity", "1e300", "-1e-300", "1e3", "4096", "4097",
        "86400", "86401", "17592186044416", "9223372036854775808", "99999999999999999999", "0x10", "1/255", "٣", "",
        " ", "abc", "\u001b[31m",
    ];

    private static readonly string[] Words =
    [
        "", " ", "-", "--", "x=y", "input=1,3,224,224", "x=-1,3", "layout=NCHW", "NHWC", "nchw", "RGB", "imagenet",
        "face-detection", "image-similarity", "lenet5", "squeezenet1.1", "reduce", "0.5,0.5,0.5", "a]b[c", "[red]x[/]",
        "name\u001b]0;pwned\u0007", "\u009b2J", "\u202Egnp.exe", new string('a', 5000),
    ];

    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();
    private readonly string[] _paths;

    public CliArgumentPropertyTests()
    {
        var junk = _dir.File("junk.bin");
        File.WriteAllBytes(junk, [0x08, 0x07, 0x12, 0x00, 0xFF, 0xFF, 0x00, 0x61, 0x73, 0x6D]);
        var empty = _dir.File("empty.bin");
        File.WriteAllBytes(empty, []);
        Directory.CreateDirectory(_dir.File("data"));
        // Never a real system file here: a command line that passes every check may write to any path it names.
        _paths =
        [
            "", " ", _dir.Path, _dir.File("data"), junk, empty, _dir.File("missing/x.wasm"), _dir.File("new-out"),
            _dir.File("out.onnx"), Path.Combine(junk, "below-a-file"), "/proc", "/proc/version",
            _dir.File("e\u001b]0;x\u0007.wasm"), _dir.File(new string('p', 300)),
        ];
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RandomCommandLinesRunInProcessEndWithExitZeroOrTwoAndNoInternalError()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var exits = new Dictionary<int, int>();

        Gen.Int.Sample(seed =>
        {
            var args = CommandLine(seed);

            var result = InProcessCli.Run(args, cancelled.Token);

            AssertWellBehaved(args, result, ErrorReporter.Interrupted);
            lock (exits)
            {
                exits[result.ExitCode] = exits.GetValueOrDefault(result.ExitCode) + 1;
            }
        }, iter: InProcessCases, threads: 1);

        // Not vacuous: most command lines are refused, and some get through every check.
        Assert.True(exits.GetValueOrDefault(2) > InProcessCases / 4, string.Join(", ", exits.Select(e => $"exit {e.Key}: {e.Value}")));
        Assert.True(exits.Where(e => e.Key != 2).Sum(e => e.Value) > 0, string.Join(", ", exits.Select(e => $"exit {e.Key}: {e.Value}")));
    }

    [Fact]
    public void RandomCommandLinesRunAsProcessesEndWithExitZeroOrTwoAndNoInternalError()
    {
        var environment = new Dictionary<string, string>
        {
            ["WASMGRAPH_PLUGINS"] = _dir.File("data"),
            ["WASMGRAPH_DATA"] = _dir.File("data"),
            ["WASMGRAPH_REPO"] = _dir.Path,
            ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File("cache"),
        };

        Gen.Int.Sample(seed =>
        {
            var args = CommandLine(seed);

            var result = HostProcess.Run(args, environment, timeoutSeconds: 60);

            AssertWellBehaved(args, result, allowedOther: null);
            Assert.True(result.PeakRssMiB < 512, $"{Show(args)}: peak RSS {result.PeakRssMiB:F0} MiB");
        }, iter: ProcessCases, threads: 1);
    }

    private static void AssertWellBehaved(string[] args, HostResult result, int? allowedOther)
    {
        Assert.True(result.ExitCode is 0 or 2 || result.ExitCode == allowedOther, $"{Show(args)}: {result}");
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.False(result.All.Any(c => Format.IsUnsafeForTerminal(c) && c is not '\n' and not '\r'),
                     $"{Show(args)}: raw control character in the output: {result}");
        if (result.ExitCode == 2)
        {
            Assert.Contains("error:", result.StdErr);
        }
    }

    /// <summary>A command line for one seed: a verb (or a misspelling of one), maybe its positional, then 0–5 items.</summary>
    private string[] CommandLine(int seed)
    {
        var random = new Random(seed);
        var (verb, settings, positional) = Verbs[random.Next(Verbs.Length)];
        var options = CommandLineCheck.OptionsOf(settings).Where(o => o.Key.StartsWith("--", StringComparison.Ordinal) || o.Key.Length == 2)
            .Where(o => o.Key is not "--help" and not "-h" and not "-?").ToList();
        var args = new List<string> { random.Next(12) == 0 ? Mutate(verb, random) : verb };
        if (positional && random.Next(6) != 0)
        {
            args.Add(verb == "zoo" ? Pick(Words, random) : Pick(_paths, random));
        }
        for (int n = random.Next(6); n > 0; n--)
        {
            var (flag, shape) = options[random.Next(options.Count)];
            switch (random.Next(5))
            {
                case 0:
                    args.Add(Mutate(flag, random));
                    args.Add(Value(shape.Type, random));
                    break;
                case 1:
                    args.Add(Pick(random.Next(2) == 0 ? Words : _paths, random));
                    break;
                default:
                    args.Add(flag);
                    if (shape.TakesValue && random.Next(10) != 0)
                    {
                        args.Add(Value(shape.Type, random));
                    }
                    break;
            }
        }
        // Keep every run away from real data: demo and conformance read the data folder they are given.
        if (verb is "demo" or "conformance" && !args.Contains("--data"))
        {
            args.AddRange(["--data", _dir.File("data")]);
        }
        return args.ToArray();
    }

    private string Value(Type type, Random random)
        => type == typeof(int) || type == typeof(long) || type == typeof(double) ? Pick(Numbers, random)
         : type == typeof(bool) ? Pick(["true", "false", "yes", ""], random)
         : Pick(random.Next(2) == 0 ? _paths : Words, random);

    /// <summary>A typo: a character dropped, doubled, swapped with the next, or replaced.</summary>
    private static string Mutate(string text, Random random)
    {
        if (text.Length < 3)
        {
            return text + "x";
        }
        int at = random.Next(1, text.Length - 1);
        return random.Next(4) switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, text[at].ToString()),
            2 => string.Concat(text.AsSpan(0, at), text[at + 1].ToString(), text[at].ToString(), text.AsSpan(at + 2)),
            _ => string.Concat(text.AsSpan(0, at), "q", text.AsSpan(at + 1)),
        };
    }

    private static string Pick(string[] values, Random random) => values[random.Next(values.Length)];

    private static string Show(string[] args) => string.Join(" ", args.Select(a => $"'{Format.Untrusted(a, 60)}'"));
}
