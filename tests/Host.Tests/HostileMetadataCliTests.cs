using System.Text;
using Google.Protobuf;
using WasmGraph.Onnx.Proto;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Hand-made modules whose <c>wasmgraph.meta</c> lies, through <c>run</c> and <c>inspect</c>: each ends with exit 2 and
/// one line naming the module and the field, before the host allocates anything the metadata declares (peak RSS well
/// under <see cref="RssBoundMiB"/>, where a 2 GB declared output once took 6.2 GB), and nothing in a module can make
/// <c>run</c> open a host file.
/// </summary>
public sealed class HostileMetadataCliTests : IDisposable
{
    /// <summary>A bare <c>run</c> of a tiny module peaks near 100 MiB; following any declared size would pass this.</summary>
    private const double RssBoundMiB = 400;

    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private static readonly string Image = Path.Combine(TestPaths.RepoRoot, ".cache", "data", "images", "chelsea.png");

    /// <summary>A module implementing the ABI with one input at 1024 and one output at 2048 in <paramref name="pages"/> pages; wg_run does nothing.</summary>
    private static byte[] Wasm(int pages = 1) => Wasmtime.Module.ConvertText($$"""
        (module
          (memory (export "memory") {{pages}})
          (func (export "wg_abi_version") (result i32) (i32.const 1))
          (func (export "wg_input_ptr") (param i32) (result i32) (i32.const 1024))
          (func (export "wg_output_ptr") (param i32) (result i32) (i32.const 2048))
          (func (export "wg_run") (result i32) (i32.const 0)))
        """);

    /// <summary>Metadata JSON for one input and one output; the defaults make a valid image model (float32[1,3,2,2] → float32[1,10]).</summary>
    private static string Json(string input = "{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[1,3,2,2],\"bytes\":48}",
                               string output = "{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[1,10],\"bytes\":40}",
                               string hints = "{}")
        => $$"""{"abi_version":1,"name":"crafted","producer":"test","opset":17,"inputs":[{{input}}],"outputs":[{{output}}],"arena_bytes":0,"weight_bytes":0,"kernels":[],"hints":{{hints}}}""";

    private string Module(string name, string json, int pages = 1) => Write(name, [.. Wasm(pages), .. Section(Encoding.UTF8.GetBytes(json))]);

    private string Write(string name, byte[] bytes)
    {
        var path = _dir.File(name + ".wasm");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A custom section named wasmgraph.meta around <paramref name="content"/>, framed honestly.</summary>
    private static byte[] Section(byte[] content)
    {
        var body = new List<byte>();
        body.AddRange(WasmCustomSection.Leb128(14));
        body.AddRange("wasmgraph.meta"u8.ToArray());
        body.AddRange(content);
        var section = new List<byte> { 0 };
        section.AddRange(WasmCustomSection.Leb128((uint)body.Count));
        section.AddRange(body);
        return section.ToArray();
    }

    private HostResult Run(string module, params string[] extra)
        => HostProcess.Run(["run", module, "--image", Image, .. extra],
                           new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File("cache") });

    private static void AssertRefused(HostResult result, string module, string expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"{module}: ", result.StdErr);
        Assert.Contains(expected, result.StdErr);
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.True(result.PeakRssMiB < RssBoundMiB, result.ToString());
    }

    public static TheoryData<string, string, string> Lies => new()
    {
        { "negative-dim", Json(output: "{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[-1,10],\"bytes\":40}"), "output 'y' a negative dimension" },
        { "null-entry", Json(output: "null"), "output 0 is null" },
        { "long-name", Json(output: $"{{\"name\":\"{new string('y', 300)}\",\"dtype\":\"float32\",\"shape\":[1,10],\"bytes\":40}}"), "is 300 characters, over the limit of 200" },
        { "unknown-dtype", Json(output: "{\"name\":\"y\",\"dtype\":\"complex64\",\"shape\":[1,10],\"bytes\":40}"), "the unknown dtype 'complex64'" },
        { "bytes-disagree", Json(output: "{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[1,10],\"bytes\":4000}"), "has 4000 bytes, but that type needs 40" },
        { "overflow", Json(output: "{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4294967296,4294967296,4294967296],\"bytes\":40}"), "too large to address" },
        { "duplicate", Json(output: "{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[1,10],\"bytes\":40},{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[1,10],\"bytes\":40}"), "declares output 'y' twice" },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public void RunAndInspectRefuseLyingMetadataWithExit2(string name, string json, string expected)
    {
        var module = Module(name, json);

        AssertRefused(Run(module), module, expected);
        AssertRefused(HostProcess.Run("inspect", module), module, expected);
    }

    public static TheoryData<string, string, string> Overclaims => new()
    {
        // 300 bytes of module claiming a 2 GB output in a 64 KiB memory.
        { "2gb-output", Json(output: "{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[536870911],\"bytes\":2147483644}"), "output 'y' of 2147483644 bytes, more than the module's memory of 65536 bytes" },
        // An image input whose declared shape the image path would allocate: 192 MiB of floats in a 64 KiB memory.
        { "huge-image-input", Json(input: "{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[1,3,4096,4096],\"bytes\":201326592}"), "input 'x' of 201326592 bytes, more than the module's memory" },
    };

    /// <summary>
    /// Sizes beyond the module's own memory: <c>run</c> refuses them before building the input or any output buffer;
    /// <c>inspect</c>, which allocates nothing from them, shows what the module claims.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overclaims))]
    public void RunRefusesSizesBeyondTheModulesMemoryWhichInspectShows(string name, string json, string expected)
    {
        var module = Module(name, json);

        AssertRefused(Run(module), module, expected);
        var inspect = HostProcess.Run("inspect", module);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.True(inspect.PeakRssMiB < RssBoundMiB, inspect.ToString());
    }

    [Fact]
    public void AnImageModuleWhoseMemoryStartsAboveMaxMemoryIsRefusedBeforeTheImageIsBuilt()
    {
        // 1 GiB of initial memory holding a declared 768 MiB image input: only --max-memory stands between it and the host.
        var module = Module("big-memory", Json(input: "{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[1,3,8192,8192],\"bytes\":805306368}"), pages: 16384);

        AssertRefused(Run(module, "--max-memory", "16"), module, "the model needs 1073741824 bytes of memory at start, over the memory limit of 16777216 bytes");
    }

    public static TheoryData<string, byte[], string> BadFraming => new()
    {
        { "size-7fffffff", [0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 14, .. "wasmgraph.meta"u8.ToArray()], "declares 2147483647 bytes" },
        { "name-past-end", [0, 3, 0x7F, (byte)'w', (byte)'a'], "custom section name at offset" },
        { "empty-section", [0, 0], "truncated LEB128" },
    };

    [Theory]
    [MemberData(nameof(BadFraming))]
    public void RunAndInspectRefuseBrokenSectionFramingWithExit2(string name, byte[] tail, string expected)
    {
        var module = Write(name, [.. Wasm(), .. tail]);

        AssertRefused(Run(module), module, expected);
        AssertRefused(HostProcess.Run("inspect", module), module, expected);
    }

    [Fact]
    public void ALabelsHintNamingAFileIsIgnoredNotRead()
    {
        var secret = _dir.File("secret.txt");
        File.WriteAllText(secret, "TOP-SECRET-LINE\n");
        var module = Module("labels-path", Json(hints: $"{{\"labels\":\"{secret}\"}}"));

        var result = Run(module);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("TOP-SECRET-LINE", result.All);
        Assert.Contains("ignoring hint labels=", result.StdErr);
    }

    [Fact]
    public void ALabelsHintNamingDevZeroCostsNothing()
    {
        var module = Module("labels-zero", Json(hints: "{\"labels\":\"/dev/zero\"}"));

        var result = Run(module);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("ignoring hint labels=/dev/zero", result.StdErr);
        Assert.True(result.PeakRssMiB < RssBoundMiB, result.ToString());
    }

    [Fact]
    public void ABadImageHintInAModuleIsAnErrorNamingItUnlessAFlagReplacesIt()
    {
        var module = Module("bad-layout", Json(hints: "{\"layout\":\"XYZW\",\"std\":\"0,0,0\"}"));

        var refused = Run(module);
        AssertRefused(refused, module, "hint layout=XYZW: layout must be NCHW or NHWC");

        var overridden = Run(module, "--layout", "NCHW", "--std", "1");
        Assert.True(overridden.ExitCode == 0, overridden.ToString());
    }

    [Fact]
    public void CompileRefusesAnOutputNameThatRunWouldRefuse()
    {
        var longName = new string('y', 300);
        var graph = new GraphProto { Name = "long-name" };
        graph.Input.Add(Value("x"));
        graph.Output.Add(Value(longName));
        var relu = new NodeProto { OpType = "Relu", Name = "relu" };
        relu.Input.Add("x");
        relu.Output.Add(longName);
        graph.Node.Add(relu);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var path = _dir.File("long-name.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        var result = HostProcess.Run("compile", path, "-o", _dir.File("long-name.wasm"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("has a 300-character name; a module's inputs and outputs may have at most 200", result.StdErr);
        Assert.False(File.Exists(_dir.File("long-name.wasm")));

        static ValueInfoProto Value(string name)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new[] { 1L, 4L }.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
            };
        }
    }

}
