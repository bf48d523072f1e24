using System.Diagnostics;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Pipeline;

/// <summary>
/// Runs independent inferences on N runtime instances at once, one thread each, and reports images per second.
/// Why instances rather than threads in one module: this Wasmtime binding exposes no shared memory, so each
/// instance has its own linear memory; weights are duplicated, compiled code is shared by the engine.
/// <para>
/// The sessions are loaded with the caller's <see cref="RuntimeOptions"/>, so its cancellation stops every instance's
/// running call at once. A failure in any thread (a trap, the interrupt) stops the others and is rethrown on the
/// calling thread: an exception escaping a thread of its own would end the process instead of being reported.
/// </para>
/// </summary>
public static class ParallelThroughput
{
    public static double ImagesPerSecond(IRuntime runtime, byte[] module, RuntimeOptions options,
                                         IReadOnlyDictionary<string, TensorData> inputs, int instances, int runsPerInstance,
                                         CancellationToken cancellation = default)
    {
        // One source for the caller's cancellation and this measurement's own failures, so one stops all. The sessions
        // watch it only if the caller can cancel at all: a cancellable token makes the runtime compile in interruption
        // checks, which a benchmark that passes none should not pay for (its threads still stop between runs).
        var callers = options.Cancellation;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, callers);
        if (cancellation.CanBeCanceled || callers.CanBeCanceled)
        {
            options = options with { Cancellation = stop.Token };
        }
        var sessions = new List<IModelSession>();
        try
        {
            for (int i = 0; i < instances; i++)
            {
                sessions.Add(runtime.Load(module, options));
            }
            // One warm-up run each, so first-touch page faults are not counted; one after another, so a failure is one
            // exception and not an aggregate of the same trap N times.
            sessions.ForEach(s => s.Run(inputs));
            var clock = Stopwatch.StartNew();
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var threads = sessions.Select(session => new Thread(() =>
            {
                try
                {
                    for (int i = 0; i < runsPerInstance && !stop.IsCancellationRequested; i++)
                    {
                        session.Run(inputs);
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                    stop.Cancel();
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            cancellation.ThrowIfCancellationRequested();
            callers.ThrowIfCancellationRequested();
            // The first real failure, not the cancellations it caused in the other threads.
            if ((failures.FirstOrDefault(e => e is not OperationCanceledException) ?? failures.FirstOrDefault()) is { } failure)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
            return instances * runsPerInstance / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }
}
