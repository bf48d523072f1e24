using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Serve.Protocol;

namespace WasmGraph.Serve.Serving;

/// <summary>
/// The Open Inference Protocol v2 REST endpoints (KServe's and Triton's): health, server and model metadata, readiness
/// and infer, each answering errors as <c>{"error": "…"}</c> with the protocol's status codes. The binary tensor data
/// extension is taken and given when the request asks for it (<c>Inference-Header-Content-Length</c>).
/// </summary>
public sealed class InferenceEndpoints
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";
    public const string BinaryExtension = "binary_tensor_data";

    /// <summary>The one version a module is served as: a module has no version of its own.</summary>
    public const string ModelVersion = "1";

    private readonly IReadOnlyDictionary<string, ModelPool> _models;
    private readonly ServeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ServerState _state;

    public InferenceEndpoints(IReadOnlyDictionary<string, ModelPool> models, ServeMetrics metrics, ServerState state, ILogger logger)
    {
        _models = models;
        _metrics = metrics;
        _state = state;
        _logger = logger;
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v2/health/live", () => Results.Json(new { live = true }));
        routes.MapGet("/v2/health/ready", () => _state.Ready
            ? Results.Json(new { ready = true })
            : Results.Json(new { ready = false }, statusCode: StatusCodes.Status503ServiceUnavailable));
        routes.MapGet("/v2", () => Results.Json(new
        {
            name = "wasmgraph",
            version = typeof(InferenceEndpoints).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            extensions = new[] { BinaryExtension },
        }));
        routes.MapGet("/v2/models/{name}", (string name) => Metadata(name, null));
        routes.MapGet("/v2/models/{name}/versions/{version}", (string name, string version) => Metadata(name, version));
        routes.MapGet("/v2/models/{name}/ready", (string name) => ModelReady(name, null));
        routes.MapGet("/v2/models/{name}/versions/{version}/ready", (string name, string version) => ModelReady(name, version));
        routes.MapPost("/v2/models/{name}/infer", (HttpContext context, string name) => InferAsync(context, name, null));
        routes.MapPost("/v2/models/{name}/versions/{version}/infer", (HttpContext context, string name, string version) => InferAsync(context, name, version));
    }

    /// <summary>The <c>{"error": "…"}</c> body the protocol specifies, with <paramref name="status"/>.</summary>
    public static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private IResult Metadata(string name, string? version)
    {
        if (Find(name, version, out var pool) is { } missing)
        {
            return missing;
        }
        return Results.Json(new
        {
            name = pool!.Name,
            versions = new[] { ModelVersion },
            platform = "wasmgraph_wasm",
            inputs = pool.Metadata.Inputs.Select(Describe),
            outputs = pool.Metadata.Outputs.Select(Describe),
        });
    }

    private IResult ModelReady(string name, string? version)
        => Find(name, version, out var pool) ?? Results.Json(new { name = pool!.Name, ready = _state.Ready });

    private static object Describe(TensorInfo tensor)
    {
        var type = tensor.ToTensorType();
        return new { name = tensor.Name, datatype = TensorDatatypes.Name(type.ElementType), shape = type.Shape.Dims };
    }

    /// <summary>A 404 result naming the served models when <paramref name="name"/> (at <paramref name="version"/>) is not one of them.</summary>
    private IResult? Find(string name, string? version, out ModelPool? pool)
    {
        if (!_models.TryGetValue(name, out pool))
        {
            return Error(StatusCodes.Status404NotFound, $"unknown model '{Shorten(name)}'; this server has: {string.Join(", ", _models.Keys.Order(StringComparer.Ordinal))}");
        }
        if (version is not null && version != ModelVersion)
        {
            return Error(StatusCodes.Status404NotFound, $"model '{name}' has no version '{Shorten(version)}'; it is served as version {ModelVersion}");
        }
        return null;
    }

    private async Task InferAsync(HttpContext context, string name, string? version)
    {
        var clock = Stopwatch.StartNew();
        string label = _models.ContainsKey(name) ? name : ServeMetrics.UnknownModel;
        int status;
        RunTimes times = default;
        bool bodyRead = false;
        try
        {
            if (Find(name, version, out var pool) is { } missing)
            {
                _metrics.Errors.WithLabels(label, "unknown_model").Inc();
                status = StatusCodes.Status404NotFound;
                await missing.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            if (!_state.Ready)
            {
                throw new ProtocolException(StatusCodes.Status503ServiceUnavailable, "the server is shutting down; send the request to another replica");
            }
            if (pool!.IsFull)
            {
                throw pool.AtCapacity();
            }
            long? headerLength = HeaderLength(context.Request);
            var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            bodyRead = true;
            var request = InferenceRequest.Parse(body, headerLength, pool.Name, pool.Metadata);
            var (outputs, ran) = await pool.RunAsync(request.Inputs, context.RequestAborted).ConfigureAwait(false);
            times = ran;
            var response = InferenceResponse.Create(pool.Name, request, outputs);
            status = StatusCodes.Status200OK;
            await WriteAsync(context.Response, response, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ProtocolException e)
        {
            status = e.StatusCode;
            if (!bodyRead)
            {
                // Refused before (or while) its body was read: closing the connection spares reading the rest of it
                // (Kestrel would otherwise drain it to keep the connection), and tells the client not to reuse it.
                context.Response.Headers.Connection = "close";
            }
            if (status == StatusCodes.Status429TooManyRequests)
            {
                context.Response.Headers.RetryAfter = "1";
            }
            _metrics.Errors.WithLabels(label, Reason(e.StatusCode)).Inc();
            await Error(status, e.Message).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (ModelRunException e)
        {
            status = StatusCodes.Status500InternalServerError;
            _metrics.Errors.WithLabels(label, "model_failed").Inc();
            ServeLog.ModelFailed(_logger, label, e.Message);
            await Error(status, e.Message).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499; // the client went away (nginx's code): nothing to answer
            _metrics.Errors.WithLabels(label, "client_closed").Inc();
        }
        catch (Exception e)
        {
            status = StatusCodes.Status500InternalServerError;
            _metrics.Errors.WithLabels(label, "internal").Inc();
            ServeLog.InternalError(_logger, e, label);
            if (!context.Response.HasStarted)
            {
                await Error(status, $"internal error: {e.GetType().Name}: {e.Message}").ExecuteAsync(context).ConfigureAwait(false);
            }
        }
        _metrics.Requests.WithLabels(label, status.ToString(CultureInfo.InvariantCulture)).Inc();
        _metrics.RequestDuration.WithLabels(label).Observe(clock.Elapsed.TotalSeconds);
        ServeLog.Infer(_logger, label, status, clock.Elapsed.TotalMilliseconds, times.Queued.TotalMilliseconds, times.Run.TotalMilliseconds);
    }

    private static long? HeaderLength(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(HeaderLengthHeader, out var values))
        {
            return null;
        }
        return long.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out long length)
            ? length
            : throw ProtocolException.BadRequest($"{HeaderLengthHeader} must be a byte count, not '{Shorten(values.ToString())}'");
    }

    private static async Task WriteAsync(HttpResponse http, InferenceResponse response, CancellationToken aborted)
    {
        http.StatusCode = StatusCodes.Status200OK;
        if (response.JsonLength is { } jsonLength)
        {
            http.ContentType = "application/octet-stream";
            http.Headers[HeaderLengthHeader] = jsonLength.ToString(CultureInfo.InvariantCulture);
            http.ContentLength = jsonLength + response.Binary.Sum(t => (long)t.Bytes.Length);
            await http.Body.WriteAsync(response.Json, aborted).ConfigureAwait(false);
            foreach (var tensor in response.Binary)
            {
                await http.Body.WriteAsync(tensor.Bytes.ToArray(), aborted).ConfigureAwait(false);
            }
        }
        else
        {
            http.ContentType = "application/json";
            http.ContentLength = response.Json.Length;
            await http.Body.WriteAsync(response.Json, aborted).ConfigureAwait(false);
        }
    }

    private static string Reason(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "too_large",
        StatusCodes.Status408RequestTimeout => "slow_body",
        StatusCodes.Status429TooManyRequests => "queue_full",
        StatusCodes.Status503ServiceUnavailable => "stopping",
        _ => "bad_request",
    };

    /// <summary>A client-supplied name as it is quoted back: at most 100 characters.</summary>
    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";
}

/// <summary>Whether the server takes new inference requests: from start-up until SIGTERM.</summary>
public sealed class ServerState
{
    private volatile bool _ready;

    public bool Ready => _ready;

    public void MarkReady() => _ready = true;

    public void MarkStopping() => _ready = false;
}
