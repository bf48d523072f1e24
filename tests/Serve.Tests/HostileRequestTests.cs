using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace WasmGraph.Serve.Tests;

/// <summary>Starts one server on the slow module with a 1 MiB body limit and a 2 s header timeout, for the hostile-request tests.</summary>
public sealed class HostileServer : IDisposable
{
    private readonly TempDirectory _directory = new();

    public HostileServer()
    {
        Server = ServerProcess.Start([SlowModule.Write(_directory.File("slow.wasm")), "--instances", "1", "--max-body-mb", "1"],
                                     new Dictionary<string, string> { ["WASMGRAPH_Serve__RequestHeadersTimeoutSeconds"] = "2" });
    }

    public ServerProcess Server { get; }

    public void Dispose()
    {
        Server.Dispose();
        _directory.Dispose();
    }
}

/// <summary>
/// Hostile requests are answered 4xx with a message naming what is wrong, never a stack trace, and do not harm the
/// requests around them: after each, a good request is still answered correctly and the process is alive.
/// </summary>
public sealed class HostileRequestTests : IClassFixture<HostileServer>
{
    private readonly ServerProcess _server;

    public HostileRequestTests(HostileServer fixture) => _server = fixture.Server;

    [Theory]
    [InlineData("{\"inputs\":[{\"name\":\"x\"", 400, "not valid JSON")]
    [InlineData("\u0000\u0001garbage", 400, "not valid JSON")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[0,1,2,3]}]}""", 400, "input 'x' has shape [2,2], but the model takes [4]")]
    [InlineData("""{"inputs":[{"name":"x","shape":[4],"datatype":"INT64","data":[0,1,2,3]}]}""", 400, "input 'x' is FP32, not INT64")]
    [InlineData("""{"inputs":[{"name":"x","shape":[4],"datatype":"FP32","data":[0,1,2,{"a":1}]}]}""", 400, "data element 3 is {\"a\":1}")]
    [InlineData("""{"inputs":[{"name":"x","shape":[4],"datatype":"FP32","data":[1e999,1,2,3]}]}""", 400, "data element 0 is 1e999")]
    [InlineData("""{"inputs":[{"name":"x","shape":[4000000000,4000000000],"datatype":"FP32","data":[]}]}""", 400, "but the model takes [4]")]
    public async Task AMalformedOrMismatchedBodyIs400(string body, int status, string expected)
    {
        using var response = await _server.Client.PostAsync("v2/models/slow/infer", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertRefused(response, status, expected);
    }

    [Fact]
    public async Task AnUnknownModelOrVersionOrPathIs404NamingWhatExists()
    {
        using var model = await _server.Client.PostAsync("v2/models/" + new string('m', 5000) + "/infer", new StringContent("{}"));
        await AssertRefused(model, 404, "unknown model 'mmmm");
        Assert.True((await model.Content.ReadAsStringAsync()).Length < 400, "the echoed name is shortened");
        using var version = await _server.Client.GetAsync("v2/models/slow/versions/7");
        await AssertRefused(version, 404, "model 'slow' has no version '7'");
        using var path = await _server.Client.GetAsync("v3/anything");
        await AssertRefused(path, 404, "no endpoint GET /v3/anything");
        Assert.DoesNotContain("\"model=\"mmmm", await _server.Client.GetStringAsync("metrics")); // unknown names do not become labels
    }

    [Fact]
    public async Task ABodyOverTheLimitIs413WhetherItsLengthIsDeclaredOrChunked()
    {
        var big = new byte[2 << 20];
        using var declared = await _server.Client.PostAsync("v2/models/slow/infer", new ByteArrayContent(big));
        await AssertRefused(declared, 413, "larger than the server's limit of 1048576 bytes");

        using var chunked = new StreamContent(new MemoryStream(big));
        chunked.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/models/slow/infer") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        var refusal = await Record.ExceptionAsync(async () =>
        {
            using var response = await _server.Client.SendAsync(request);
            await AssertRefused(response, 413, "larger than the server's limit");
        });
        // Kestrel may close the connection before the client has sent the rest: then the client sees a reset, not the 413.
        Assert.True(refusal is null or HttpRequestException, refusal?.ToString());
        await AssertStillServing();
    }

    [Fact]
    public async Task BinaryHeaderLengthsThatLieAre400()
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(SlowModule.Request(0)));
        content.Headers.Add("Inference-Header-Content-Length", "99999");
        using var tooLong = await _server.Client.PostAsync("v2/models/slow/infer", content);
        await AssertRefused(tooLong, 400, "Inference-Header-Content-Length is 99999");

        var garbage = new ByteArrayContent(Encoding.UTF8.GetBytes(SlowModule.Request(0)));
        garbage.Headers.Add("Inference-Header-Content-Length", "-1");
        using var negative = await _server.Client.PostAsync("v2/models/slow/infer", garbage);
        await AssertRefused(negative, 400, "must be a byte count");
    }

    [Fact]
    public async Task ASlowlorisBodyIsCutOffWhileOtherRequestsAreServed()
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(_server.Address.Host, _server.Address.Port);
        var stream = socket.GetStream();
        var head = "POST /v2/models/slow/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var clock = Stopwatch.StartNew();
        var answer = new StringBuilder();
        var reading = ReadAllAsync(stream, answer);
        // One byte every 200 ms, far below the minimum rate; meanwhile a normal request is served at once.
        var trickle = Task.Run(async () =>
        {
            try
            {
                while (!reading.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await stream.WriteAsync("{"u8.ToArray());
                    await Task.Delay(200);
                }
            }
            catch (IOException)
            {
                // the server closed the connection: what we wanted
            }
        });
        await AssertStillServing();
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(reading.IsCompleted, "the slow body was never cut off");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"it took {clock.Elapsed}");
        Assert.True(answer.Length == 0 || answer.ToString().StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer.ToString());
        await trickle;
        await AssertStillServing();
    }

    [Fact]
    public async Task HeadersThatNeverFinishAreCutOff()
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(_server.Address.Host, _server.Address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v2/models/slow/infer HTTP/1.1\r\nHost: x\r\nX-Slow: "));
        var clock = Stopwatch.StartNew();
        var reading = ReadAllAsync(stream, new StringBuilder());
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(reading.IsCompleted, "the connection with unfinished headers was never closed");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"it took {clock.Elapsed}");
        await AssertStillServing();
    }

    private async Task AssertStillServing()
    {
        using var response = await _server.Client.PostAsync("v2/models/slow/infer", new StringContent(SlowModule.Request(0), Encoding.UTF8, "application/json"));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("\"data\":[1,2,3,4]", await response.Content.ReadAsStringAsync());
        Assert.False(_server.HasExited);
    }

    private async Task AssertRefused(HttpResponseMessage response, int status, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" }, response.Content.Headers.ContentType);
        Assert.Contains(expected, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        Assert.DoesNotContain("   at ", body);
        await AssertStillServing();
    }

    private static async Task ReadAllAsync(NetworkStream stream, StringBuilder into)
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                into.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
        }
    }
}
