using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Apps.Reference;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Apps.Quantize.Calibration;

/// <summary>
/// A model loaded in ONNX Runtime with chosen intermediate tensors added as graph outputs, so one run yields every
/// tensor calibration (or the per-layer error report) needs. ONNX Runtime rather than our own compiler, because:
/// it runs the float model as its authors' exporters intended (the reference our parity tests hold us to), a tensor
/// becomes observable by naming it an output without recompiling anything, and it is several times faster per run
/// than compiling a probe module per model and reading every intermediate out of wasm memory. One intra-op thread,
/// like every other ONNX Runtime session here (the VM is shared).
/// </summary>
public sealed class OrtProbe : IDisposable
{
    private readonly SessionOptions _options = new() { IntraOpNumThreads = 1, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
    private readonly InferenceSession _session;
    private readonly OnnxReferenceSession? _prepend;
    private readonly string _file;

    /// <param name="observed">Tensors to add as outputs (names that are already outputs are kept once).</param>
    /// <param name="prepend">A preprocessing model whose outputs feed this model's inputs in order (<c>--prepend</c>).</param>
    public OrtProbe(ModelProto model, IEnumerable<string> observed, string file, string? prepend = null)
    {
        _file = file;
        var probe = model.Clone();
        var existing = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in observed.Where(existing.Add))
        {
            // No type: ONNX Runtime infers it; a wrong guess (float for an int64 shape tensor) would fail the load.
            probe.Graph.Output.Add(new ValueInfoProto { Name = name });
        }
        try
        {
            _session = new InferenceSession(probe.ToByteArray(), _options);
        }
        catch (OnnxRuntimeException e)
        {
            _options.Dispose();
            throw new WasmGraphException($"{file}: ONNX Runtime cannot load the model: {e.Message}", e);
        }
        try
        {
            _prepend = prepend is null ? null : new OnnxReferenceSession([prepend]);
        }
        catch
        {
            _session.Dispose();
            _options.Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> InputNames => _session.InputNames;

    /// <summary>The element type of an output (intermediate or not), or null when ONNX Runtime says it is not a tensor.</summary>
    public DataType? ElementType(string name)
        => _session.OutputMetadata.TryGetValue(name, out var meta) && meta.IsTensor && DataTypes.IsDefined((int)meta.ElementDataType)
            ? (DataType)(int)meta.ElementDataType : null;

    /// <summary>Runs one sample; the caller disposes the result (OrtValues hold native memory).</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string> outputs, string sample)
    {
        if (_prepend is not null)
        {
            var produced = _prepend.Run(inputs).Values.ToList();
            if (produced.Count != _session.InputNames.Count)
            {
                throw new WasmGraphException($"--prepend: the preprocessing model produces {produced.Count} outputs but {_file} takes {_session.InputNames.Count} inputs");
            }
            inputs = _session.InputNames.Select((n, i) => (n, produced[i])).ToDictionary(p => p.n, p => p.Item2, StringComparer.Ordinal);
        }
        var missing = _session.InputNames.Where(n => !inputs.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new WasmGraphException($"{sample}: gives no value for input(s) {string.Join(", ", missing)} of {_file}");
        }
        var values = _session.InputNames.Select(n => OnnxReferenceRunner.ToOrtValue(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            return _session.Run(runOptions, _session.InputNames, values, outputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new WasmGraphException($"{sample}: ONNX Runtime could not run {_file} on it: {e.Message}", e);
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _prepend?.Dispose();
        _options.Dispose();
    }
}
