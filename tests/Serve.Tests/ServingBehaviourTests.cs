using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WasmGraph.Serve.Tests;

/// <summary>
/// Production behaviour on the slow/looping/trapping module (<see cref="SlowModule"/>): a full queue is refused at
/// once, a run past the time limit or a trap fails only its own request and the instance is replaced, and SIGTERM lets
/// the request in flight finish before the process exits 0. Each test starts its own server, so none sees another's load.
/// </summary>
public sealed partial class ServingBehaviourTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _module;

    public ServingBehaviourTests() => _module = SlowModule.Write(_directory.File("slow.wasm"));

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AFullQueueIsRefusedAtOnceWith429AndEveryAcceptedRequestIsAnswered()
    {
        using var server = ServerProcess.Start([_module, "--instances", "1", "--queue", "1"]);
        // One request runs (a few seconds of spinning), one waits; the third finds no room.
        var running = Post(server, 10);
        await WaitForMetric(server, "wasmgraph_serve_busy_instances", 1);
        var queued = Post(server, 0);
        await WaitForMetric(server, "wasmgraph_serve_queue_length", 1);

        var clock = Stopwatch.StartNew();
        var (status, body) = await Post(server, 0);
        Assert.Equal(429, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the refusal took {clock.Elapsed}");
        Assert.Contains("model 'slow' is at capacity (1 instance busy, 1 request queued)", body);

        Assert.Equal(200, (await running).Status);
        var (queuedStatus, queuedBody) = await queued;
        Assert.Equal(200, queuedStatus);
        Assert.Contains("\"data\":[1,2,3,4]", queuedBody);
        Assert.Matches("""wasmgraph_serve_errors_total\{model="slow",reason="queue_full"\} 1""", await server.Client.GetStringAsync("metrics"));
    }

    [Fact]
    public async Task ARunPastTheTimeLimitFailsAloneAndItsInstanceIsReplaced()
    {
        using var server = ServerProcess.Start([_module, "--instances", "1", "--timeout", "0.5"]);
        var clock = Stopwatch.StartNew();
        var (status, body) = await Post(server, -1); // loops forever
        Assert.Equal(500, status);
        Assert.Contains("model 'slow': run exceeded the time limit of 500 ms", body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the time limit took {clock.Elapsed}");

        var (after, answer) = await Post(server, 0);
        Assert.Equal(200, after);
        Assert.Contains("\"data\":[1,2,3,4]", answer);
        Assert.Matches("""wasmgraph_serve_instances_replaced_total\{model="slow"\} 1""", await server.Client.GetStringAsync("metrics"));
    }

    [Fact]
    public async Task ATrapFailsOnlyItsRequestAndTheNextRunsInAFreshInstance()
    {
        using var server = ServerProcess.Start([_module, "--instances", "1"]);
        var (status, body) = await Post(server, -2);
        Assert.Equal(500, status);
        Assert.Contains("model 'slow': run failed:", body);
        Assert.Contains("unreachable", body);
        Assert.Equal(200, (await Post(server, 0)).Status);
    }

    [Fact]
    public async Task SigtermFinishesTheRequestInFlightThenExitsZero()
    {
        var server = ServerProcess.Start([_module, "--instances", "1"]);
        using (server)
        {
            var inFlight = Post(server, 10);
            await WaitForMetric(server, "wasmgraph_serve_busy_instances", 1);
            int exitCode = await Task.Run(() => server.Stop());
            var (status, body) = await inFlight;
            Assert.True(status == 200, body);
            Assert.Contains("\"data\":[11,2,3,4]", body);
            Assert.True(exitCode == 0, $"exit {exitCode}\n{server.Output}");
            Assert.Contains("stopping: finishing requests in flight", server.Output);
        }
    }

    [Fact]
    public async Task NewRequestsDuringShutdownAreNotServed()
    {
        using var server = ServerProcess.Start([_module, "--instances", "1"]);
        var inFlight = Post(server, 10);
        await WaitForMetric(server, "wasmgraph_serve_busy_instances", 1);
        var stopping = Task.Run(() => server.Stop());
        await Task.Delay(500);
        // Kestrel has stopped accepting connections; a new one is refused (or, on a kept-alive one, answered 503).
        using var fresh = new HttpClient { BaseAddress = server.Address };
        var late = await Record.ExceptionAsync(async () =>
        {
            using var response = await fresh.PostAsync("v2/models/slow/infer", new StringContent(SlowModule.Request(0)));
            Assert.Equal(503, (int)response.StatusCode);
        });
        Assert.True(late is null or HttpRequestException, late?.ToString());
        Assert.Equal(200, (await inFlight).Status);
        Assert.Equal(0, await stopping);
    }

    [Fact]
    public async Task WithTheJsonFormatterEachRequestIsOneStructuredLogLine()
    {
        var server = ServerProcess.Start([_module, "--instances", "1"], new Dictionary<string, string> { ["WASMGRAPH_Logging__Console__FormatterName"] = "json" });
        using (server)
        {
            Assert.Equal(200, (await Post(server, 0)).Status);
            Assert.Equal(0, await Task.Run(() => server.Stop()));
        }
        var infer = server.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("EventId").GetInt32() == 2);
        var state = infer.GetProperty("State");
        Assert.Equal("slow", state.GetProperty("Model").GetString());
        Assert.Equal(200, state.GetProperty("Status").GetInt32());
        Assert.True(state.GetProperty("DurationMs").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--instances", "0", "--instances must be between 1 and 256")]
    [InlineData("--timeout", "NaN", "--timeout must be a finite number")]
    public void BadFlagsAreExitTwoNamingTheFlag(string flag, string value, string expected)
    {
        var (exitCode, output) = ServerProcess.RunExpectingFailure(_module, flag, value);
        Assert.Equal(2, exitCode);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void AMissingModuleAMisspelledSettingAndADuplicateNameAreExitTwoBeforeListening()
    {
        var (missing, missingOutput) = ServerProcess.RunExpectingFailure(_directory.File("nope.wasm"), "--port", "0");
        Assert.Equal(2, missing);
        Assert.Contains("nope.wasm", missingOutput);

        var config = _directory.File("serve.json");
        File.WriteAllText(config, """{"Serve":{"QueueLenght":3}}""");
        var (misspelled, misspelledOutput) = ServerProcess.RunExpectingFailure(_module, "--config", config, "--port", "0");
        Assert.Equal(2, misspelled);
        Assert.Contains("Serve:QueueLenght is not a setting; did you mean 'Serve:QueueLength'?", misspelledOutput);

        var (duplicate, duplicateOutput) = ServerProcess.RunExpectingFailure(_module, "slow=" + _module, "--port", "0");
        Assert.Equal(2, duplicate);
        Assert.Contains("two modules are served as 'slow'", duplicateOutput);
        Assert.DoesNotContain("   at ", missingOutput + misspelledOutput + duplicateOutput);
    }

    private static async Task<(int Status, string Body)> Post(ServerProcess server, float first)
    {
        using var response = await server.Client.PostAsync("v2/models/slow/infer", new StringContent(SlowModule.Request(first), Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls <c>/metrics</c> until the slow model's <paramref name="metric"/> reaches <paramref name="value"/>.</summary>
    internal static async Task WaitForMetric(ServerProcess server, string metric, int value)
    {
        var pattern = new Regex(Regex.Escape(metric) + """\{model="slow"\} (\d+)""");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var match = pattern.Match(await server.Client.GetStringAsync("metrics"));
            if (match.Success && int.Parse(match.Groups[1].Value) >= value)
            {
                return;
            }
            await Task.Delay(20);
        }
        Assert.Fail($"{metric} did not reach {value} within 30 s");
    }
}
