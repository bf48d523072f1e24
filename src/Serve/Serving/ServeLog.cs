using Microsoft.Extensions.Logging;

namespace WasmGraph.Serve.Serving;

/// <summary>The server's log events, one place, as source-generated structured messages (named values, no formatting cost when off).</summary>
public static partial class ServeLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "model {Model} from {Path}: {Instances} instances, queue {Queue}, loaded in {LoadMs:F0} ms")]
    public static partial void ModelLoaded(ILogger logger, string model, string path, int instances, int queue, double loadMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "infer {Model} {Status} in {DurationMs:F1} ms (queued {QueuedMs:F1} ms, run {RunMs:F1} ms)")]
    public static partial void Infer(ILogger logger, string model, int status, double durationMs, double queuedMs, double runMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "infer {Model}: {Error}")]
    public static partial void ModelFailed(ILogger logger, string model, string error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "infer {Model}: internal error")]
    public static partial void InternalError(ILogger logger, Exception exception, string model);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "model {Model}: an instance failed and was replaced")]
    public static partial void InstanceReplaced(ILogger logger, string model);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "model {Model}: an instance failed and could not be replaced; serving with one instance fewer")]
    public static partial void InstanceLost(ILogger logger, Exception exception, string model);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "stopping: finishing requests in flight (at most {Seconds} s)")]
    public static partial void Stopping(ILogger logger, int seconds);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "stopped")]
    public static partial void Stopped(ILogger logger);
}
