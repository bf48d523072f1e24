using System.Diagnostics;
using System.Text;
using WasmGraph.TestSupport;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Web.Tests;

/// <summary>What a run of web/examples/node-run.mjs printed and returned, and its peak resident set (VmHWM).</summary>
public sealed record NodeResult(int ExitCode, string StdOut, string StdErr, long PeakRssBytes, TimeSpan Elapsed)
{
    public double PeakRssMiB => PeakRssBytes / (1024.0 * 1024.0);

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s, peak RSS {PeakRssMiB:F0} MiB\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>
/// Runs the Node example as a user does (<c>node web/examples/node-run.mjs …</c>), and builds the hostile inputs the
/// tests feed it: hand-written WAT modules with a metadata section given as raw JSON (so it can say anything, even
/// what <c>ModelMetadata</c> cannot express), and .npy files with any header.
/// </summary>
public static class NodeRunner
{
    public static string Script => Path.Combine(WebTools.Web, "examples", "node-run.mjs");

    /// <summary>Metadata of <see cref="AddOneWat"/>: x float32[4] in, y float32[4] out.</summary>
    public const string AddOneMetadata = """
        {"abi_version":1,"name":"add-one","inputs":[{"name":"x","dtype":"float32","shape":[4],"bytes":16}],
         "outputs":[{"name":"y","dtype":"float32","shape":[4],"bytes":16}]}
        """;

    /// <summary>
    /// y = x + 1 over 4 float32s at 1024 → 2048, looping for ever when x[0] is negative; <paramref name="prologue"/>
    /// runs first in wg_run. Output i lives at 2048 + 1024·i, so metadata may declare a second output.
    /// </summary>
    public static string AddOneWat(string prologue = "", string imports = "", string extra = "") => $$"""
        (module
          {{imports}}
          (memory (export "memory") 1)
          (func (export "wg_abi_version") (result i32) (i32.const 1))
          (func (export "wg_input_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1024)) (else (i32.const -1))))
          (func (export "wg_output_ptr") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (i32.add (i32.const 2048) (i32.mul (local.get 0) (i32.const 1024)))) (else (i32.const -1))))
          (func (export "wg_run") (result i32)
            (local $i i32)
            {{prologue}}
            (if (f32.lt (f32.load (i32.const 1024)) (f32.const 0)) (then (loop $forever (br $forever))))
            (loop $next
              (f32.store offset=2048 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
            (i32.const 0))
          {{extra}})
        """;

    /// <summary>The module of <paramref name="wat"/> with a <c>wasmgraph.meta</c> section holding <paramref name="metadataJson"/>.</summary>
    public static byte[] Module(string wat, string metadataJson = AddOneMetadata)
    {
        return WasmCustomSection.Append(Wasmtime.Module.ConvertText(wat), ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(metadataJson));
    }

    /// <summary>A .npy file with exactly this header text (padded as NumPy pads it) and data; <paramref name="declaredLength"/> overrides the length field.</summary>
    public static byte[] Npy(string header, byte[] data, uint? declaredLength = null)
    {
        var text = header + new string(' ', 63 - (10 + header.Length) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange(new byte[] { 1, 0 });
        bytes.AddRange(BitConverter.GetBytes((ushort)(declaredLength ?? (uint)text.Length)));
        bytes.AddRange(Encoding.Latin1.GetBytes(text));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    public static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>Runs the example with <paramref name="args"/>, sampling its peak RSS; fails the test if it overruns.</summary>
    public static NodeResult Run(string[] args, int timeoutSeconds = 120) => Run(args, timeoutSeconds, whileRunning: null);

    /// <summary>As <see cref="Run(string[], int)"/>; <paramref name="whileRunning"/> sees the process each few milliseconds.</summary>
    public static NodeResult Run(string[] args, int timeoutSeconds, Action<Process>? whileRunning) => RunScript(Script, args, timeoutSeconds, whileRunning);

    /// <summary>Runs <c>node <paramref name="script"/> <paramref name="args"/></c>, sampling its peak RSS; fails the test if it overruns.</summary>
    public static NodeResult RunScript(string script, string[] args, int timeoutSeconds, Action<Process>? whileRunning = null)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("WASMGRAPH_DEBUG");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.WaitForExit(5))
        {
            peak = Math.Max(peak, PeakRss(process.Id));
            whileRunning?.Invoke(process);
            if (clock.Elapsed > TimeSpan.FromSeconds(timeoutSeconds))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"node {string.Join(" ", start.ArgumentList)} did not finish in {timeoutSeconds} s");
            }
        }
        process.WaitForExit();
        return new NodeResult(process.ExitCode, stdout.Result, stderr.Result, peak, clock.Elapsed);
    }

    /// <summary>Exit 2 with one <c>error:</c> line containing <paramref name="expected"/>, no stack trace, no internal error.</summary>
    public static void AssertUserError(NodeResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.StdErr);
        AssertOneCleanLine(result, "error: ");
    }

    /// <summary>stderr is exactly one line starting with <paramref name="prefix"/>, without a JavaScript stack frame.</summary>
    public static void AssertOneCleanLine(NodeResult result, string prefix)
    {
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith(prefix, StringComparison.Ordinal), result.ToString());
        Assert.DoesNotContain("    at ", result.StdErr);
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.DoesNotContain("\u001b", result.StdErr);
    }


    private static long PeakRss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is not null && long.TryParse(line["VmHWM:".Length..].Trim().Split(' ')[0], out long kb) ? kb * 1024 : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
