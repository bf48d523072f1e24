using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Samples.RuntimePlugin;

/// <summary>
/// One Node process holding one loaded module. Requests and replies are single JSON lines (see runner.mjs); tensors
/// travel as base64 of their raw little-endian bytes, exactly what the module reads and writes at its arena offsets.
/// A run that overruns <see cref="RuntimeOptions.Timeout"/> kills the process, and the session is unusable after it.
/// </summary>
internal sealed class NodeSession : IModelSession
{
    private readonly Process _process;
    private readonly string _modulePath;
    private readonly TimeSpan? _timeout;
    private bool _disposed;

    private NodeSession(Process process, string modulePath, ModelMetadata metadata, TimeSpan? timeout)
    {
        _process = process;
        _modulePath = modulePath;
        Metadata = metadata;
        _timeout = timeout;
    }

    public ModelMetadata Metadata { get; }

    public static NodeSession Start(string node, string runner, byte[] module, RuntimeOptions options)
    {
        var modulePath = Path.Combine(Path.GetTempPath(), $"wasmgraph-node-{Guid.NewGuid():N}.wasm");
        File.WriteAllBytes(modulePath, module);
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(runner);
        start.ArgumentList.Add(modulePath);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new WasmGraphException($"node runtime: could not start '{node}'");
        }
        catch (Win32Exception e)
        {
            File.Delete(modulePath);
            throw new WasmGraphException($"node runtime: could not start '{node}' ({e.Message}); install Node.js 20+ or set NodeRuntime:Executable", e);
        }
        process.ErrorDataReceived += (_, _) => { }; // drained so a chatty Node cannot block on a full stderr pipe
        process.BeginErrorReadLine();
        try
        {
            var ready = ReadReply(process, TimeSpan.FromSeconds(60));
            var metadata = ModelMetadata.FromJson(ready["metadata"]!.ToJsonString());
            long memory = ready["memoryBytes"]!.GetValue<long>();
            if (options.MaxMemoryBytes is { } limit && memory > limit)
            {
                throw new WasmGraphException($"node runtime: the module's memory is {memory} bytes, above the limit of {limit}");
            }
            return new NodeSession(process, modulePath, metadata, options.Timeout);
        }
        catch
        {
            Stop(process);
            process.Dispose();
            File.Delete(modulePath);
            throw;
        }
    }

    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var payload = new JsonObject();
        foreach (var info in Metadata.Inputs)
        {
            if (!inputs.TryGetValue(info.Name, out var tensor))
            {
                throw new WasmGraphException($"node runtime: missing input '{info.Name}'");
            }
            payload[info.Name] = Convert.ToBase64String(tensor.Bytes);
        }
        _process.StandardInput.WriteLine(new JsonObject { ["inputs"] = payload }.ToJsonString());
        _process.StandardInput.Flush();
        var reply = ReadReply(_process, _timeout);
        var outputs = reply["outputs"]!.AsObject();
        return Metadata.Outputs.ToDictionary(
            info => info.Name,
            info => new TensorData(info.ToTensorType(), Convert.FromBase64String(outputs[info.Name]!.GetValue<string>())));
    }

    /// <summary>The next reply line; a user-visible error for {"error"}, a dead process or an overrun.</summary>
    private static JsonObject ReadReply(Process process, TimeSpan? timeout)
    {
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(timeout ?? Timeout.InfiniteTimeSpan))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node runtime: no reply within {timeout!.Value.TotalSeconds:0.###} s; the Node process was stopped");
        }
        var text = line.Result ?? throw new WasmGraphException($"node runtime: Node exited (code {ExitCode(process)}) without replying");
        var reply = JsonNode.Parse(text) as JsonObject ?? throw new WasmGraphException($"node runtime: unexpected reply '{text}'");
        if (reply["error"] is { } error)
        {
            throw new WasmGraphException($"node runtime: {error.GetValue<string>()}");
        }
        return reply;
    }

    private static string ExitCode(Process process)
        => process.WaitForExit(1000) ? process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

    /// <summary>Closes Node's input, which ends runner.mjs; kills it if it does not exit promptly.</summary>
    private static void Stop(Process process)
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(2000))
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Stop(_process);
        _process.Dispose();
        File.Delete(_modulePath);
    }
}
