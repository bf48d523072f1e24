using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Serve.Protocol;

namespace WasmGraph.Serve.Serving;

/// <summary>What one admitted request cost: the wait for an instance and the run in it.</summary>
public readonly record struct RunTimes(TimeSpan Queued, TimeSpan Run);

/// <summary>
/// One served model: a fixed number of sessions (module instances) of the same module, each running one request at
/// a time, and a bounded queue in front of them. A request that finds every instance busy and the queue full is
/// refused at once (429) rather than left to wait without bound. A session whose run fails (a trap, the time limit)
/// is disposed and replaced by a fresh load before its slot is handed out again, so a faulted instance is never reused.
/// <para>
/// Runs are synchronous calls into wasm on the request's thread-pool thread; at most <see cref="Instances"/> such
/// threads per model are busy at once (the server raises the pool's minimum to cover them).
/// </para>
/// </summary>
public sealed class ModelPool : IDisposable
{
    private readonly Func<IModelSession> _load;
    private readonly ConcurrentBag<IModelSession> _idle = new();
    private readonly SemaphoreSlim _free;
    private readonly ServeMetrics _metrics;
    private readonly ILogger _logger;
    private int _admitted;
    private bool _disposed;

    private ModelPool(string name, ModelMetadata metadata, IReadOnlyList<IModelSession> sessions, Func<IModelSession> load, int queueLength,
                      ServeMetrics metrics, ILogger logger)
    {
        Name = name;
        Metadata = metadata;
        Instances = sessions.Count;
        QueueLength = queueLength;
        _load = load;
        _metrics = metrics;
        _logger = logger;
        foreach (var session in sessions)
        {
            _idle.Add(session);
        }
        _free = new SemaphoreSlim(sessions.Count, sessions.Count);
        _metrics.Instances.WithLabels(name).Set(sessions.Count);
        _metrics.Queued.WithLabels(name).Set(0);
        _metrics.Busy.WithLabels(name).Set(0);
    }

    /// <summary>The name clients use in <c>/v2/models/{name}</c>.</summary>
    public string Name { get; }

    public ModelMetadata Metadata { get; }

    public int Instances { get; }

    public int QueueLength { get; }

    /// <summary>
    /// Whether a request arriving now would be refused: checked before its body is read, so that under overload a
    /// refusal costs no body transfer or parsing. Advisory (no slot is reserved: a slow body must not hold one);
    /// <see cref="RunAsync"/> decides.
    /// </summary>
    public bool IsFull => Volatile.Read(ref _admitted) >= Instances + QueueLength;

    public ProtocolException AtCapacity() => new(StatusCodes.Status429TooManyRequests,
        $"model '{Name}' is at capacity ({Instances} instance{(Instances == 1 ? "" : "s")} busy, {QueueLength} request{(QueueLength == 1 ? "" : "s")} queued); retry later");

    /// <summary>Loads <paramref name="instances"/> sessions with <paramref name="load"/>; a failure disposes those already loaded.</summary>
    public static ModelPool Create(string name, int instances, int queueLength, Func<IModelSession> load, ServeMetrics metrics, ILogger logger)
    {
        var sessions = new List<IModelSession>();
        try
        {
            for (int i = 0; i < instances; i++)
            {
                sessions.Add(load());
            }
            return new ModelPool(name, sessions[0].Metadata, sessions, load, queueLength, metrics, logger);
        }
        catch
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="inputs"/> in a free instance, waiting in the queue if there is room. Throws a
    /// <see cref="ProtocolException"/> (429) when there is not, <see cref="OperationCanceledException"/> when the client
    /// goes away while queued, and <see cref="ModelRunException"/> when the module fails (its instance is then replaced).
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, TensorData> Outputs, RunTimes Times)> RunAsync(
        IReadOnlyDictionary<string, TensorData> inputs, CancellationToken aborted)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Increment(ref _admitted) > Instances + QueueLength)
        {
            Interlocked.Decrement(ref _admitted);
            throw AtCapacity();
        }
        try
        {
            var clock = Stopwatch.StartNew();
            var queued = _metrics.Queued.WithLabels(Name);
            queued.Inc();
            try
            {
                await _free.WaitAsync(aborted).ConfigureAwait(false);
            }
            finally
            {
                queued.Dec();
            }
            var waited = clock.Elapsed;
            return (Run(inputs), new RunTimes(waited, clock.Elapsed - waited));
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
        }
    }

    /// <summary>Runs in an idle session, holding one permit of <see cref="_free"/>, which it gives back with the session.</summary>
    private IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        // One idle session per free permit.
        if (!_idle.TryTake(out var session))
        {
            _free.Release();
            throw new InvalidOperationException($"model '{Name}': no idle instance although a slot was free");
        }
        var busy = _metrics.Busy.WithLabels(Name);
        busy.Inc();
        var clock = Stopwatch.StartNew();
        try
        {
            var outputs = session.Run(inputs);
            Return(session);
            return outputs;
        }
        catch (Exception e)
        {
            Replace(session);
            throw e is WasmGraphException or OperationCanceledException ? new ModelRunException($"model '{Name}': {e.Message}", e) : e;
        }
        finally
        {
            busy.Dec();
            _metrics.InferenceDuration.WithLabels(Name).Observe(clock.Elapsed.TotalSeconds);
        }
    }

    private void Return(IModelSession session)
    {
        _idle.Add(session);
        _free.Release();
    }

    /// <summary>
    /// Discards a session whose run failed and loads a fresh one (from the compiled-module cache, so in milliseconds).
    /// If the load fails the slot is given up, and the model serves with one instance fewer, which the metrics show.
    /// </summary>
    private void Replace(IModelSession failed)
    {
        failed.Dispose();
        _metrics.Replaced.WithLabels(Name).Inc();
        try
        {
            Return(_load());
            ServeLog.InstanceReplaced(_logger, Name);
        }
        catch (Exception e)
        {
            _metrics.Instances.WithLabels(Name).Dec();
            ServeLog.InstanceLost(_logger, e, Name);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            session.Dispose();
        }
        _free.Dispose();
    }
}

/// <summary>The module failed while running a request (a trap or the time limit); the message names the model.</summary>
public sealed class ModelRunException : Exception
{
    public ModelRunException(string message, Exception inner) : base(message, inner) { }

    public ModelRunException() { }

    public ModelRunException(string message) : base(message) { }
}
