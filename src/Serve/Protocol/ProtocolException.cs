using Microsoft.AspNetCore.Http;

namespace WasmGraph.Serve.Protocol;

/// <summary>
/// A request the server refuses, with the HTTP status the Open Inference Protocol gives it (400 for a malformed or
/// mismatched request, 404 for an unknown model, 413 for a body over the limit, 429 when the queue is full, 503 while
/// shutting down). The message is what the client reads in <c>{"error": "…"}</c>: it names the model, input and field.
/// </summary>
public sealed class ProtocolException : Exception
{
    public ProtocolException(int statusCode, string message) : base(message) => StatusCode = statusCode;

    public ProtocolException() : this(StatusCodes.Status400BadRequest, "bad request") { }

    public ProtocolException(string message) : this(StatusCodes.Status400BadRequest, message) { }

    public ProtocolException(string message, Exception inner) : base(message, inner) => StatusCode = StatusCodes.Status400BadRequest;

    public int StatusCode { get; }

    public static ProtocolException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
