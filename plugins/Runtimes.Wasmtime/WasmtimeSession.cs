using Wasmtime;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// A loaded model. Inputs are copied straight into linear memory at their fixed addresses, <c>wg_run</c> is called, and
/// the outputs are copied out: no serialisation on the data path. A bounded output (its size depends on the data) is
/// trimmed to the dims the module reports for the run. A run stops when <see cref="RuntimeOptions.Cancellation"/> is
/// cancelled (<see cref="OperationCanceledException"/>, no outputs). If a run traps, times out or is stopped, the next run gets a
/// fresh instance of the same compiled module (instantiation is cheap next to compilation), so one bad input does not
/// poison the session. Not thread-safe, like every <see cref="IModelSession"/>: use one session per thread.
/// </summary>
public sealed class WasmtimeSession : IModelSession, IKernelProfiler
{
    private readonly Engine _engine;
    private readonly Module _module;
    private readonly RuntimeOptions _options;
    private readonly TensorType[] _inputTypes;
    private readonly TensorType[] _outputTypes;
    private ModelInstance? _instance;
    private bool _disposed;

    internal WasmtimeSession(Engine engine, Module module, ModelMetadata metadata, RuntimeOptions options, ModelInstance instance, LoadReport report)
    {
        _engine = engine;
        _module = module;
        _options = options;
        _instance = instance;
        Metadata = metadata;
        LoadReport = report;
        _inputTypes = MetadataSection.TypesOf(metadata.Inputs);
        _outputTypes = MetadataSection.TypesOf(metadata.Outputs);
    }

    public ModelMetadata Metadata { get; }

    /// <summary>Cache outcome and timings of the load that created this session.</summary>
    public LoadReport LoadReport { get; }

    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _options.Cancellation.ThrowIfCancellationRequested();
        InputCheck.Check(Metadata, _inputTypes, inputs);

        var instance = _instance ??= ModelInstance.Create(_engine, _module, Metadata, _options);
        try
        {
            for (int i = 0; i < _inputTypes.Length; i++)
            {
                var input = inputs[Metadata.Inputs[i].Name];
                if (Metadata.Inputs[i].IsDynamicInput)
                {
                    // The bound's layout with zero padding, and the actual dims for wg_run to check and follow.
                    instance.Write(instance.InputAddresses[i], RunTimeExtent.Pad(_inputTypes[i], _inputTypes[i].Dynamic, input));
                    instance.WriteInputDims(i, input.Type.Shape.Dims);
                    continue;
                }
                instance.Write(instance.InputAddresses[i], input.Bytes);
            }
            instance.Run();
        }
        finally
        {
            if (instance.Faulted)
            {
                instance.Dispose();
                _instance = null;
            }
        }

        var outputs = new Dictionary<string, TensorData>(_outputTypes.Length, StringComparer.Ordinal);
        for (int i = 0; i < _outputTypes.Length; i++)
        {
            var type = _outputTypes[i];
            var bytes = new byte[type.ByteSize];
            instance.Read(instance.OutputAddresses[i], bytes);
            outputs[Metadata.Outputs[i].Name] = type.IsBounded
                ? BoundedOutputs.Trim(type, bytes, instance.ReadOutputDims(i, type.Shape.Rank), Metadata.Outputs[i].Name)
                : new TensorData(type, bytes);
        }
        return outputs;
    }

    public IReadOnlyList<double> ProfileKernels(IReadOnlyDictionary<string, TensorData> inputs, int repeat)
    {
        Run(inputs); // validates inputs and leaves them in memory
        return _instance!.ProfileKernels(repeat);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _instance?.Dispose();
        _instance = null;
        _module.Dispose();
    }
}
