using WasmGraph.TestSupport;
using Xunit.Abstractions;
using static WasmGraph.Web.Tests.NodeRunner;

namespace WasmGraph.Web.Tests;

/// <summary>
/// Hostile modules, metadata and .npy inputs fed to web/examples/node-run.mjs (and so to web/wasmgraph.js and
/// web/npy.js): each ends in exit 2 with one <c>error:</c> line in the .NET CLI's words, never a JavaScript stack trace,
/// and without allocating what the input declares. Before, they ran with wrong results or died in RangeError/TypeError.
/// </summary>
public sealed class NodeRunnerHostileInputTests : IDisposable
{
    /// <summary>Peak RSS a refused input may reach: Node itself with a worker takes ~60–90 MiB.</summary>
    private const long MaxPeakRssBytes = 200L << 20;

    private readonly TempDirectory _dir = new();
    private readonly ITestOutputHelper _log;

    public NodeRunnerHostileInputTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => _dir.Dispose();

    private string File(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    private NodeResult RunRefused(string[] args, string expected)
    {
        var result = Run(args);
        _log.WriteLine(result.ToString());
        AssertUserError(result, expected);
        Assert.True(result.PeakRssBytes < MaxPeakRssBytes, result.ToString());
        return result;
    }

    [Fact]
    public void AnInputOfTheRightSizeButTheWrongShapeIsRefusedNamingTheFileAndBothShapes()
    {
        // NHWC [1,2,2,1] and NCHW [1,1,2,2] have the same 16 bytes: only the shape tells them apart.
        var module = File("nhwc.wasm", Module(AddOneWat(), AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}],\n", "\"shape\":[1,2,2,1],\"bytes\":16}],\n")));
        var nchw = File("nchw.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2), }", Floats(1, 2, 3, 4)));

        RunRefused([module, "--input", "x=" + nchw], $"{nchw}: holds float32[1,1,2,2], but input 'x' is float32[1,2,2,1]");
    }

    [Fact]
    public void AnInputOfTheRightSizeButTheWrongDtypeIsRefused()
    {
        var module = File("m.wasm", Module(AddOneWat()));
        var ints = File("ints.npy", Npy("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", new byte[16]));

        RunRefused([module, "--input", "x=" + ints], $"{ints}: holds int32[4], but input 'x' is float32[4]");
    }

    [Fact]
    public void AGoodModuleRunsAndItsInputIsCheckedAgainstTheMetadata()
    {
        var module = File("m.wasm", Module(AddOneWat()));
        var x = File("x.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Floats(1, 2, 3, 4)));

        var result = Run([module, "--input", "x=" + x]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("y\tfloat32\t[4]\tmin 2.00000\tmax 5.00000\tmean 3.50000", result.StdOut);
    }

    [Theory]
    [InlineData("bad-magic", "", 0, "not a .npy file (bad magic)")]
    [InlineData("huge-header", "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 0xFFFFu, "truncated .npy header")]
    [InlineData("huge-shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", 0, "is 4000000000000000 bytes; tensors over 2 GiB are not supported")]
    [InlineData("dim-past-2^64", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 0, "tensors over 2 GiB are not supported")]
    [InlineData("negative-dim", "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", 0, "bad shape '(-4,)'")]
    [InlineData("big-endian", "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", 0, "dtype '>f4' is not supported")]
    [InlineData("object-dtype", "{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", 0, "dtype '|O' is not supported")]
    [InlineData("fortran", "{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", 0, "Fortran-order arrays are not supported")]
    [InlineData("no-shape", "{'descr': '<f4', 'fortran_order': False, }", 0, "malformed .npy header")]
    [InlineData("truncated-data", "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 0, "truncated .npy data: float32[4] needs 16 bytes")]
    public void ABadNpyFileIsRefusedBeforeAnythingIsAllocatedForIt(string name, string header, uint declaredLength, string expected)
    {
        var module = File("m.wasm", Module(AddOneWat()));
        var data = name == "truncated-data" ? new byte[8] : Floats(1, 2, 3, 4);
        var bytes = name == "bad-magic" ? "not a numpy file at all"u8.ToArray() : Npy(header, data, declaredLength == 0 ? null : declaredLength);
        var npy = File(name + ".npy", bytes);

        var result = RunRefused([module, "--input", "x=" + npy], expected);
        Assert.Contains($"error: {npy}: ", result.StdErr);
    }

    [Fact]
    public void ANpyHeaderDeclaringFourGigabytesOfHeaderIsRefusedWithoutReadingIt()
    {
        var module = File("m.wasm", Module(AddOneWat()));
        byte[] bytes = [0x93, .. "NUMPY"u8, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF, .. "{}"u8];

        RunRefused([module, "--input", "x=" + File("v2.npy", bytes)], ".npy header length 4294967295 is implausible");
    }

    [Fact]
    public void ATruncatedModuleIsRefusedNamingTheFile()
    {
        var whole = Module(AddOneWat());
        var truncated = File("truncated.wasm", whole[..(whole.Length / 2)]);

        RunRefused([truncated], $"{truncated}: not a valid WebAssembly module");
    }

    [Fact]
    public void AFileThatIsNotAModuleIsRefused()
    {
        RunRefused([File("text.wasm", "hello, world"u8.ToArray())], "not a valid WebAssembly module: it does not start with the magic number");
    }

    [Fact]
    public void AModuleWithAnImportIsRefusedBeforeItIsCompiled()
    {
        var module = File("imports.wasm", Module(AddOneWat(imports: "(import \"env\" \"log\" (func $log (param i32)))")));

        RunRefused([module], "module imports 1 item; WasmGraph modules must be self-contained");
    }

    [Fact]
    public void AModuleWithoutMetadataIsRefused()
    {
        var module = File("bare.wasm", Wasmtime.Module.ConvertText(AddOneWat()));

        RunRefused([module], "module has no 'wasmgraph.meta' custom section");
    }

    public static TheoryData<string, string, string> ForgedMetadata => new()
    {
        { "negative-dim", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":[-1,4],\"bytes\":16}]}"), "model metadata gives output 'y' a negative dimension in shape [-1,4]" },
        { "fractional-dim", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":[2.5],\"bytes\":10}]}"), "a dimension that is not an integer in shape [2.5]" },
        { "huge-output", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":[536870911],\"bytes\":2147483644}]}"), "the module's outputs declare 2147483644 bytes in all, more than its memory of 65536 bytes" },
        { "over-2GiB", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":[1000000,1000000],\"bytes\":4000000000000}]}"), "output 'y' has 4000000000000 bytes; tensors over 2 GiB are not supported" },
        { "overflowing", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":[4294967296,4294967296,4294967296],\"bytes\":16}]}"), "too large to address" },
        { "bytes-mismatch", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":[4],\"bytes\":160}]}"), "model metadata says output 'y' (float32[4]) has 160 bytes, but that type needs 16" },
        { "outside-memory", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":[16000],\"bytes\":64000}]}"), "output 'y' (64000 bytes at address 2048) lies outside the module's memory of 65536 bytes" },
        { "null-entry", AddOneMetadata.Replace("[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]", "[null]"), "model metadata has an output entry that is not an object" },
        { "null-shape", AddOneMetadata.Replace("\"shape\":[4],\"bytes\":16}]}", "\"shape\":null,\"bytes\":16}]}"), "model metadata gives output 'y' no shape" },
        { "null-inputs", AddOneMetadata.Replace("\"inputs\":[{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]", "\"inputs\":null"), "model metadata has no input list" },
        { "no-outputs", AddOneMetadata.Replace("[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]", "[]"), "model metadata declares no outputs" },
        { "unknown-dtype", AddOneMetadata.Replace("\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]}", "\"dtype\":\"constructor\",\"shape\":[4],\"bytes\":16}]}"), "model metadata gives output 'y' the unknown dtype 'constructor'" },
        { "no-name", AddOneMetadata.Replace("\"name\":\"y\"", "\"name\":\"\""), "model metadata has an output without a name" },
        { "duplicate", AddOneMetadata.Replace("\"outputs\":[", "\"outputs\":[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16},"), "model metadata declares output 'y' twice" },
        { "bad-dynamic-dims", AddOneMetadata.Replace("\"bytes\":16}]}", "\"bytes\":16,\"dynamic_dims\":[3]}]}"), "dynamic_dims [3] that are not distinct axes of shape [4]" },
        { "abi-2", AddOneMetadata.Replace("\"abi_version\":1", "\"abi_version\":2"), "module was built for WasmGraph ABI version 2; this runtime supports version 1" },
        { "not-json", "{\"inputs\": [", "model metadata is not valid JSON" },
        { "not-an-object", "[1,2,3]", "model metadata is not a JSON object" },
        { "hint-not-text", AddOneMetadata.Replace("\"name\":\"add-one\"", "\"name\":\"add-one\",\"hints\":{\"labels\":42}"), "hints that are not an object of strings" },
    };

    [Theory]
    [MemberData(nameof(ForgedMetadata))]
    public void ForgedMetadataIsRefusedBeforeAnythingIsAllocatedForIt(string name, string metadata, string expected)
    {
        var module = File(name + ".wasm", Module(AddOneWat(), metadata));

        RunRefused([module], expected);
    }

    [Fact]
    public void AMetadataSectionOverTheLimitIsRefusedWithoutDecodingIt()
    {
        // Valid JSON, padded with 65 MiB of spaces: past MAX_METADATA_BYTES (64 MiB) in web/wasmgraph.js.
        var module = File("padded.wasm", Module(AddOneWat(), AddOneMetadata + new string(' ', 65 << 20)));

        var result = Run([module]);

        AssertUserError(result, $"the 'wasmgraph.meta' section is {AddOneMetadata.Length + (65 << 20)} bytes, over the limit of 67108864 bytes");
        Assert.True(result.PeakRssBytes < MaxPeakRssBytes + (65L << 20), result.ToString()); // the file itself is read
    }

    public static TheoryData<string, string, string, string> HostileModules => new()
    {
        { "trap", "(drop (i32.load (i32.const 70000)))", "", "run failed: memory access out of bounds" },
        { "unreachable", "unreachable", "", "run failed: unreachable" },
        { "stack-overflow", "(drop (call $deep (i32.const 0)))", "(func $deep (param i32) (result i32) (call $deep (i32.add (local.get 0) (i32.const 1))))", "run failed: Maximum call stack size exceeded" },
        { "status", "(return (i32.const 7))", "", "run failed: wg_run returned 7" },
        { "grow-and-trap", "(if (i32.eq (memory.grow (i32.const 70000)) (i32.const -1)) (then unreachable))", "", "run failed: unreachable" },
    };

    [Theory]
    [MemberData(nameof(HostileModules))]
    public void AModuleThatTrapsOrFailsIsAUserErrorWithoutAStackTrace(string name, string prologue, string extra, string expected)
    {
        var module = File(name + ".wasm", Module(AddOneWat(prologue, extra: extra)));

        RunRefused([module], expected);
    }

    [Fact]
    public void AnExportOfTheWrongKindOrTypeIsRefused()
    {
        var noRun = AddOneWat().Replace("(func (export \"wg_run\")", "(func (export \"wg_run_not\")");
        var wideAddress = AddOneWat().Replace(
            "(func (export \"wg_input_ptr\") (param i32) (result i32)\n    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1024)) (else (i32.const -1))))",
            "(func (export \"wg_input_ptr\") (param i32) (result i64) (i64.const 1024))");
        Assert.NotEqual(AddOneWat(), wideAddress);

        RunRefused([File("no-run.wasm", Module(noRun))], "module does not implement the WasmGraph ABI: missing export 'wg_run' (a function)");
        RunRefused([File("wide.wasm", Module(wideAddress))], "wg_input_ptr(0) returned 1024, not an i32");
    }

    [Fact]
    public void AnInputOrModuleThatIsNotARegularFileIsRefusedWithoutOpeningIt()
    {
        var module = File("m.wasm", Module(AddOneWat()));
        var fifo = _dir.File("fifo.npy");
        var mkfifo = WebTools.Run("mkfifo", [fifo], 30);
        Assert.Equal(0, mkfifo.Exit);

        // A FIFO with no writer blocks an open for ever; the time limit of Run fails the test if that happens.
        RunRefused([module, "--input", "x=" + fifo], $"{fifo}: the .npy file for input 'x' must be a regular file, but this is a FIFO");
        RunRefused([fifo], $"{fifo}: the module must be a regular file, but this is a FIFO");
        RunRefused(["/dev/zero"], "/dev/zero: the module must be a regular file, but this is a character device");
        RunRefused([_dir.Path], "must be a regular file, but this is a directory");
        RunRefused([_dir.File("missing.wasm")], "missing.wasm: file not found");
    }

    [Fact]
    public void AnOutputNameWithTerminalEscapesIsPrintedHarmlessly()
    {
        var name = "\\u001b]0;owned\\u0007y\\u001b[31m";
        var module = File("esc.wasm", Module(AddOneWat(), AddOneMetadata.Replace("\"name\":\"y\"", $"\"name\":\"{name}\"")));

        var result = Run([module]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("\u001b", result.StdOut);
        Assert.DoesNotContain("\u0007", result.StdOut);
        Assert.Contains("\\u001b]0;owned\\u0007y\\u001b[31m\tfloat32\t[4]", result.StdOut);
    }

    [Fact]
    public void TheLoaderAndTheNpyReaderImportNothingFromNodeSoBrowsersGetTheSameChecks()
    {
        foreach (var file in new[] { "wasmgraph.js", "npy.js", "preprocessing.js" })
        {
            var text = System.IO.File.ReadAllText(Path.Combine(WebTools.Web, file));
            Assert.DoesNotContain("from 'node:", text);
            Assert.DoesNotContain("require(", text);
            // Threaded modules need Node's worker_threads and os in Node: the loader reaches them only through
            // import() behind its one Node test (isNode), so a browser never evaluates them.
            var lines = text.Split('\n');
            var processLines = lines.Where(l => l.Contains("process.", StringComparison.Ordinal)).ToList();
            Assert.True(processLines.All(l => l.StartsWith("const isNode = () =>", StringComparison.Ordinal)), $"{file}: {string.Join("\n", processLines)}");
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Contains("import('node:", StringComparison.Ordinal))
                {
                    Assert.True(lines[i].Contains("isNode()", StringComparison.Ordinal) || lines[i - 1].Contains("if (isNode())", StringComparison.Ordinal),
                                $"{file} line {i + 1} imports a Node module outside an isNode() branch: {lines[i].Trim()}");
                }
            }
        }
    }
}
