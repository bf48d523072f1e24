using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Pipeline;
using WasmGraph.Apps.Reference;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// What every demo section shares: the consoles, the data folder, a compile-once model cache, the runtime, the parity
/// ledger, and a machine-readable report of every number shown (<c>demo --report FILE.json</c>), which the tests
/// recompute from ONNX Runtime independently.
/// </summary>
public sealed class DemoSession : IDisposable
{
    private readonly DemoModels _models;
    private readonly IRuntime _runtime;
    private readonly RuntimeOptions _runtimeOptions;
    private readonly List<DemoModel> _loaded = new();

    public DemoSession(IAnsiConsole console, DemoData data, CompilePipeline pipeline, IRuntime runtime, RuntimeOptions runtimeOptions,
                       string outputDirectory, int repeat)
    {
        Out = console;
        Data = data;
        _models = new DemoModels(pipeline, data.ModuleCache);
        _runtime = runtime;
        _runtimeOptions = runtimeOptions;
        OutputDirectory = outputDirectory;
        Repeat = repeat;
    }

    public IAnsiConsole Out { get; }
    public DemoData Data { get; }

    /// <summary>Where sections write what they make (annotated photos, the cropped cat).</summary>
    public string OutputDirectory { get; }

    /// <summary>Timed runs per model, for the medians in the summary.</summary>
    public int Repeat { get; }

    public DemoParity Parity { get; } = new();

    /// <summary>Every number printed, by section, as the report file holds them.</summary>
    public JsonObject Report { get; } = new();

    public IReadOnlyList<DemoModel> Models => _loaded;

    /// <summary>Compiles <paramref name="request"/> (once; cached beside the data), loads the module and the ONNX reference chain.</summary>
    public DemoModel Load(string name, CompileRequest request)
    {
        var clock = Stopwatch.StartNew();
        var (path, compiled) = _models.Get(name, request);
        var compileMs = clock.Elapsed.TotalMilliseconds;
        var bytes = File.ReadAllBytes(path);
        clock.Restart();
        var session = _runtime.Load(bytes, _runtimeOptions);
        var loadMs = clock.Elapsed.TotalMilliseconds;
        var chain = request.PrependModelPath is { } prepend ? new[] { prepend, request.ModelPath } : new[] { request.ModelPath };
        OnnxReferenceSession reference;
        try
        {
            reference = new OnnxReferenceSession(chain);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        var model = new DemoModel(name, path, bytes.LongLength, compiled is null, compileMs, loadMs, session, reference);
        _loaded.Add(model);
        return model;
    }

    /// <summary>The section's part of the report (created on first use).</summary>
    public JsonObject Section(string name)
    {
        if (Report[name] is not JsonObject section)
        {
            section = new JsonObject();
            Report[name] = section;
        }
        return section;
    }

    public void WriteReport(string path)
    {
        var report = Report.DeepClone().AsObject();
        report["parity"] = new JsonArray(Parity.Checks.Select(c => (JsonNode)new JsonObject
        {
            ["section"] = c.Section,
            ["what"] = c.What,
            ["max_abs_diff"] = double.IsFinite(c.MaxAbsDiff) ? c.MaxAbsDiff : null,
            ["max_abs_ref"] = c.MaxAbsRef,
            ["ok"] = c.Ok,
        }).ToArray());
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(report, new JsonSerializerOptions { WriteIndented = true }));
    }

    public void Dispose() => _loaded.ForEach(m => m.Dispose());
}
