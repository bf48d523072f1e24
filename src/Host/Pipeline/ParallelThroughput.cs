using System.Diagnostics;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Pipeline;

/// <summary>
/// Runs independent inferences on N runtime instances at once, one thread each, and reports images per second.
/// Why instances rather than threads in one module: this Wasmtime binding exposes no shared memory, so each
/// instance has its own linear memory; weights are duplicated, compiled code is shared by the engine.
/// </summary>
public static class ParallelThroughput
{
    public static double ImagesPerSecond(IRuntime runtime, byte[] module, RuntimeOptions options,
                                         IReadOnlyDictionary<string, TensorData> inputs, int instances, int runsPerInstance,
                                         CancellationToken cancellation = default)
    {
        var sessions = Enumerable.Range(0, instances).Select(_ => runtime.Load(module, options)).ToList();
        try
        {
            // One warm-up run each, so first-touch page faults are not counted.
            Parallel.ForEach(sessions, new ParallelOptions { MaxDegreeOfParallelism = instances }, s => s.Run(inputs));
            var clock = Stopwatch.StartNew();
            var threads = sessions.Select(session => new Thread(() =>
            {
                for (int i = 0; i < runsPerInstance && !cancellation.IsCancellationRequested; i++)
                {
                    session.Run(inputs);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            cancellation.ThrowIfCancellationRequested();
            return instances * runsPerInstance / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }
}
