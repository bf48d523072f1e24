using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using WasmGraph.Serve.Protocol;

namespace WasmGraph.Serve.Serving;

/// <summary>
/// Reads a request body whole, within Kestrel's limits: <c>MaxRequestBodySize</c> (a declared or actual body over it
/// is 413 before or while it is read) and <c>MinRequestBodyDataRate</c> (a body trickling in slower is cut off with
/// 408). Kestrel reports both as <see cref="BadHttpRequestException"/>, which becomes a <see cref="ProtocolException"/>
/// with its status; the body is read before the request joins a model's queue, so a slow client holds a connection
/// but never a module instance.
/// </summary>
public static class RequestBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, CancellationToken aborted)
    {
        long limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue;
        if (request.ContentLength is long declared && declared > limit)
        {
            throw TooLarge(declared, limit);
        }
        try
        {
            using var buffer = request.ContentLength is long length ? new MemoryStream((int)length) : new MemoryStream();
            await request.Body.CopyToAsync(buffer, aborted).ConfigureAwait(false);
            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(null, limit);
        }
        catch (BadHttpRequestException e)
        {
            throw new ProtocolException(e.StatusCode, $"the request body could not be read: {e.Message}");
        }
    }

    private static ProtocolException TooLarge(long? declared, long limit)
        => new(StatusCodes.Status413PayloadTooLarge,
               $"the request body{(declared is { } d ? $" of {d} bytes" : "")} is larger than the server's limit of {limit} bytes (Serve:MaxRequestBodyMb)");
}
