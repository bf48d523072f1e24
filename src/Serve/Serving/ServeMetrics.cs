using Prometheus;

namespace WasmGraph.Serve.Serving;

/// <summary>
/// The server's Prometheus metrics (prometheus-net, exposed at <c>/metrics</c> with the process and .NET runtime
/// metrics the library adds). Every series is labelled with a served model's name, or <see cref="UnknownModel"/> for
/// requests naming a model that is not served, so a client cannot grow the label set without bound.
/// </summary>
public sealed class ServeMetrics
{
    /// <summary>The model label of requests for models this server does not have.</summary>
    public const string UnknownModel = "_unknown";

    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.001, 2, 16); // 1 ms … 33 s

    public Counter Requests { get; } = Metrics.CreateCounter("wasmgraph_serve_requests_total",
        "Inference requests answered, by model and HTTP status code", "model", "code");

    public Counter Errors { get; } = Metrics.CreateCounter("wasmgraph_serve_errors_total",
        "Inference requests not answered with outputs, by model and reason (bad_request, too_large, queue_full, model_failed, stopping, internal)", "model", "reason");

    public Gauge Queued { get; } = Metrics.CreateGauge("wasmgraph_serve_queue_length",
        "Requests waiting for a free module instance", "model");

    public Gauge Busy { get; } = Metrics.CreateGauge("wasmgraph_serve_busy_instances",
        "Module instances running a request", "model");

    public Gauge Instances { get; } = Metrics.CreateGauge("wasmgraph_serve_instances",
        "Module instances loaded", "model");

    public Counter Replaced { get; } = Metrics.CreateCounter("wasmgraph_serve_instances_replaced_total",
        "Module instances discarded after a trap or a timeout and loaded anew", "model");

    public Histogram RequestDuration { get; } = Metrics.CreateHistogram("wasmgraph_serve_request_duration_seconds",
        "Time from the start of an infer request to its response, queueing included", new HistogramConfiguration { LabelNames = ["model"], Buckets = LatencyBuckets });

    public Histogram InferenceDuration { get; } = Metrics.CreateHistogram("wasmgraph_serve_inference_duration_seconds",
        "Time spent running the module for one request", new HistogramConfiguration { LabelNames = ["model"], Buckets = LatencyBuckets });
}
