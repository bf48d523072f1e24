using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

public sealed class WasmtimeRuntimeLoadTests : IDisposable
{
    private readonly WasmtimeRuntime _runtime = new();

    public void Dispose() => _runtime.Dispose();

    private WasmGraphException LoadFails(byte[] module, RuntimeOptions? options = null)
        => Assert.Throws<WasmGraphException>(() => _runtime.Load(module, options ?? new RuntimeOptions()).Dispose());

    [Fact]
    public void ItReadsTheMetadataFromTheCustomSection()
    {
        using var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());

        Assert.Equal("add-one", session.Metadata.Name);
        Assert.Equal(17, session.Metadata.Opset);
        Assert.Equal("x", Assert.Single(session.Metadata.Inputs).Name);
        Assert.Equal([4L], session.Metadata.Outputs[0].Shape.ToArray());
        Assert.Equal("N", session.Metadata.Hints["layout"]);
        Assert.Equal(CacheOutcome.Disabled, session.LoadReport.Cache);
    }

    [Fact]
    public void ItIsRegisteredAsTheWasmtimeRuntime()
        => Assert.Equal("wasmtime", ((IRuntime)_runtime).Name);

    [Fact]
    public void ItRejectsAModuleWithImports()
    {
        var wasm = TestModules.Build(TestModules.AbiWat("(i32.const 0)", extra: """(import "env" "log" (func (param i32)))"""), TestModules.AddOneMetadata);

        Assert.Equal("module imports 1 item; WasmGraph modules must be self-contained", LoadFails(wasm).Message);
    }

    [Fact]
    public void ItRejectsAModuleWithoutMetadata()
        => Assert.Contains("has no 'wasmgraph.meta' custom section", LoadFails(TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody), null)).Message);

    [Fact]
    public void ItRejectsMetadataThatIsNotJson()
    {
        var wasm = TestModules.AppendCustomSection(TestModules.Build(TestModules.AbiWat("(i32.const 0)"), null), ModuleAbi.MetadataSection, "{not json"u8.ToArray());

        Assert.Contains("not valid JSON", LoadFails(wasm).Message);
    }

    [Fact]
    public void ItRejectsMetadataWhoseByteSizeDisagreesWithItsShape()
    {
        var metadata = TestModules.AddOneMetadata with { Inputs = [new TensorInfo("x", "float32", [4], 12)] };

        var error = LoadFails(TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody), metadata));
        Assert.Contains("input 'x' (float32[4]) has 12 bytes, but that type needs 16", error.Message);
    }

    [Fact]
    public void ItRejectsMetadataForAnotherAbiVersion()
    {
        var metadata = TestModules.AddOneMetadata with { Abi = 2 };

        Assert.Contains("ABI version 2", LoadFails(TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody), metadata)).Message);
    }

    [Fact]
    public void ItRejectsAModuleReportingAnotherAbiVersion()
    {
        var error = LoadFails(TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody, abiVersion: 7), TestModules.AddOneMetadata));

        Assert.Equal("module reports ABI version 7 (wg_abi_version); this runtime supports version 1", error.Message);
    }

    [Fact]
    public void ItNamesEveryMissingOrMistypedExport()
    {
        const string wat = """
            (module
              (memory (export "memory") 1)
              (func (export "wg_abi_version") (result i32) (i32.const 1))
              (func (export "wg_input_ptr") (param i32 i32) (result i32) (i32.const 0))
              (func (export "wg_output_ptr") (param i32) (result i32) (i32.const 0)))
            """;

        var error = LoadFails(TestModules.Build(wat, TestModules.AddOneMetadata));

        Assert.StartsWith("module does not implement the WasmGraph ABI: ", error.Message);
        Assert.Contains("missing export 'wg_run' () -> i32", error.Message);
        Assert.Contains("export 'wg_input_ptr' has type (i32, i32) -> i32, expected (i32) -> i32", error.Message);
    }

    /// <summary>
    /// An optional export may be missing, but when present it must have the ABI's type: a mistyped profiling export
    /// was accepted at load and then silently treated as absent.
    /// </summary>
    [Fact]
    public void ItNamesAMistypedOptionalExport()
    {
        var wat = TestModules.AbiWat(TestModules.AddOneBody, extra: """(func (export "wg_kernel_count") (param i32) (result i32) (i32.const 0))""");

        var error = LoadFails(TestModules.Build(wat, TestModules.AddOneMetadata));

        Assert.Contains($"export '{ModuleAbi.KernelCount.Name}' has type (i32) -> i32, expected {ModuleAbi.KernelCount.Signature}", error.Message);
    }

    [Fact]
    public void ItRejectsATensorThatLiesOutsideMemory()
    {
        var metadata = TestModules.AddOneMetadata with { Outputs = [new TensorInfo("y", "float32", [16384], 65536)] };

        var error = LoadFails(TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody), metadata));
        Assert.Equal("output 'y' (65536 bytes at address 2048) lies outside the module's memory of 65536 bytes", error.Message);
    }

    [Fact]
    public void ItRefusesATensorLargerThanTheModulesMemoryBeforeCompilingIt()
    {
        // 2 GB claimed in one 64 KiB page: refused from the metadata alone, so no host buffer ever follows the claim.
        var metadata = TestModules.AddOneMetadata with { Outputs = [new TensorInfo("y", "float32", [536870911], 2147483644)] };
        using var cache = new TempDirectory();

        var error = LoadFails(TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody), metadata), new RuntimeOptions { CacheDirectory = cache.Path });

        Assert.Equal("model metadata declares output 'y' of 2147483644 bytes, more than the module's memory of 65536 bytes", error.Message);
        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [Fact]
    public void ItRejectsATensorWithoutAnAddress()
    {
        var metadata = TestModules.AddOneMetadata with { Inputs = [.. TestModules.AddOneMetadata.Inputs, new TensorInfo("z", "int64", [1], 8)] };

        var error = LoadFails(TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody), metadata));
        Assert.Contains("no address for input 1 'z' (wg_input_ptr(1) returned -1)", error.Message);
    }

    [Fact]
    public void ItRejectsAModuleWhoseInitialMemoryExceedsTheLimit()
    {
        var wasm = TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody, pages: 10), TestModules.AddOneMetadata);

        var error = LoadFails(wasm, new RuntimeOptions { MaxMemoryBytes = 2 * 65536 });
        Assert.Equal("the model needs 655360 bytes of memory at start, over the memory limit of 131072 bytes", error.Message);
    }

    [Fact]
    public void ItRejectsCodeThatWasmtimeCannotValidate()
    {
        // Structurally sound sections around a function body that does not type-check.
        var wasm = TestModules.Build(TestModules.AbiWat(TestModules.AddOneBody), TestModules.AddOneMetadata);
        int code = FindSection(wasm, 10);
        wasm[code + 8] = 0xFF;

        Assert.StartsWith("not a valid WebAssembly module: ", LoadFails(wasm).Message);
    }

    [Fact]
    public void ItTurnsEveryCorruptionIntoAWasmGraphExceptionOrALoadedModule()
    {
        var original = TestModules.AddOne();
        int metadataStart = original.Length - Encoding.UTF8.GetByteCount(TestModules.AddOneMetadata.ToJson());
        var random = new Random(1234);
        var options = new RuntimeOptions { Timeout = TimeSpan.FromSeconds(2) };
        for (int trial = 0; trial < 200; trial++)
        {
            var wasm = (byte[])original.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                wasm[random.Next(8, metadataStart)] ^= (byte)random.Next(1, 256);
            }
            try
            {
                _runtime.Load(wasm, options).Dispose();
            }
            catch (WasmGraphException)
            {
                // Expected for most corruptions; anything else escaping would fail the test.
            }
        }
    }

    [Fact]
    public void ItRejectsNonPositiveLimits()
    {
        Assert.Contains("time limit must be positive", LoadFails(TestModules.AddOne(), new RuntimeOptions { Timeout = TimeSpan.Zero }).Message);
        Assert.Contains("memory limit must be positive", LoadFails(TestModules.AddOne(), new RuntimeOptions { MaxMemoryBytes = 0 }).Message);
    }

    [Fact]
    public void ThePluginRegistersOneSharedRuntime()
    {
        var services = new ServiceCollection();
        new WasmtimeRuntimePlugin().Configure(services, new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();

        var runtime = Assert.Single(provider.GetServices<IRuntime>());
        Assert.Equal("wasmtime", runtime.Name);
        Assert.Same(runtime, provider.GetService<WasmtimeRuntime>());
    }

    /// <summary>Offset of the first content byte of the section with <paramref name="id"/>.</summary>
    private static int FindSection(byte[] wasm, byte id)
    {
        int position = 8;
        while (true)
        {
            byte sectionId = wasm[position++];
            uint size = 0;
            int shift = 0;
            byte b;
            do
            {
                b = wasm[position++];
                size |= (uint)(b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);
            if (sectionId == id)
            {
                return position;
            }
            position += (int)size;
        }
    }
}
