using System.Text;
using WasmGraph.Abstractions.Plugins;
using static WasmGraph.Abstractions.Tests.Plugins.CraftedModules;

namespace WasmGraph.Abstractions.Tests.Plugins;

/// <summary>
/// The metadata of a hand-made module, field by field: each way it can lie is a <see cref="WasmGraphException"/>
/// naming the field (exit 2 at the command line), and no size in it is believed beyond the module's own memory.
/// </summary>
public sealed class ModuleMetadataReaderTests
{
    private const string Y = "{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}";

    /// <summary>The add-one metadata with its output 'y' declared as <paramref name="shapeAndBytes"/> (e.g. <c>"shape":[4],"bytes":16</c>).</summary>
    private static string OutputY(string shapeAndBytes) => Replace(Y, "{\"name\":\"y\",\"dtype\":\"float32\"," + shapeAndBytes + "}");

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, AddOneJson);
        return AddOneJson.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void AWellFormedModuleIsRead()
    {
        var metadata = Read(Module(AddOneJson));

        Assert.Equal("add-one", metadata.Name);
        Assert.Equal("y", Assert.Single(metadata.Outputs).Name);
        Assert.Equal("NCHW", metadata.Hints["layout"]);
    }

    public static TheoryData<string, string, string> Lies => new()
    {
        { "negative dim", OutputY("\"shape\":[-4],\"bytes\":16"), "output 'y' a negative dimension in shape [-4]" },
        { "null output", Replace("\"outputs\":[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]", "\"outputs\":[null]"), "output 0 is null" },
        { "null inputs", Replace("\"inputs\":[{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]", "\"inputs\":null"), "Path: $.inputs" },
        { "no outputs", Replace("\"outputs\":[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]", "\"outputs\":[]"), "declares no outputs" },
        { "300-character name", Replace("\"name\":\"y\"", $"\"name\":\"{new string('y', 300)}\""), "the name of output 0 ('yyyy" },
        { "null name", Replace("\"name\":\"y\"", "\"name\":null"), "output 0 has no name" },
        { "duplicate output", Replace("\"outputs\":[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]",
                                      "\"outputs\":[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16},{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]"),
          "declares output 'y' twice" },
        { "unknown dtype", Replace("\"name\":\"y\",\"dtype\":\"float32\"", "\"name\":\"y\",\"dtype\":\"float33\""), "output 'y' the unknown dtype 'float33'" },
        { "null dtype", Replace("\"name\":\"y\",\"dtype\":\"float32\"", "\"name\":\"y\",\"dtype\":null"), "output 'y' the unknown dtype 'null'" },
        { "bytes disagree", OutputY("\"shape\":[4],\"bytes\":12"), "output 'y' (float32[4]) has 12 bytes, but that type needs 16" },
        { "element-count overflow", OutputY("\"shape\":[4294967296,4294967296,4294967296],\"bytes\":16"), "too large to address" },
        { "over 2 GiB", OutputY("\"shape\":[1073741824],\"bytes\":4294967296"), "tensors over 2 GiB are not supported" },
        { "rank 17", OutputY("\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,4],\"bytes\":16"), "rank 17, over the limit of 16" },
        { "number past long", Replace("\"shape\":[4]", "\"shape\":[1e30]"), "not valid JSON" },
        { "string for a number", Replace("\"arena_bytes\":32", "\"arena_bytes\":\"32\""), "not valid JSON" },
        { "negative arena", Replace("\"arena_bytes\":32", "\"arena_bytes\":-1"), "arena_bytes is -1" },
        { "arena past wasm32", Replace("\"arena_bytes\":32", "\"arena_bytes\":9000000000"), "arena_bytes is 9000000000" },
        { "null hints", Replace("\"hints\":{\"layout\":\"NCHW\"}", "\"hints\":null"), "'hints' is null" },
        { "null hint value", Replace("\"hints\":{\"layout\":\"NCHW\"}", "\"hints\":{\"layout\":null}"), "hint 'layout' is null" },
        { "huge hint value", Replace("\"NCHW\"", $"\"{new string('N', 5000)}\""), "hint 'layout' is 5000 characters long" },
        { "null kernel", Replace("\"kernels\":[{\"name\":\"add\",\"op\":\"Add\",\"flops\":4}]", "\"kernels\":[null]"), "kernel 0 is null" },
        { "negative flops", Replace("\"flops\":4", "\"flops\":-4"), "kernels[0].flops is -4" },
        { "negative split", Replace("\"flops\":4", "\"flops\":4,\"split\":-2"), "kernels[0].split is -2" },
        { "bad dynamic dims", OutputY("\"shape\":[4],\"bytes\":16,\"dynamic_dims\":[3]"), "dynamic_dims [3] that are not distinct axes" },
        { "null bound list", Replace("\"hints\":{", "\"bound\":null,\"hints\":{"), "Path: $.bound" },
        { "bound without sha256", Replace("\"hints\":{", "\"bound\":[{\"name\":\"k\",\"dtype\":\"int64\",\"shape\":[],\"sha256\":\"00\"}],\"hints\":{"),
          "bound input 'k' a sha256 that is not 64 hex digits" },
        { "bound of unknown dtype", Replace("\"hints\":{", "\"bound\":[{\"name\":\"k\",\"dtype\":\"int65\",\"shape\":[],\"sha256\":\"" + new string('0', 64) + "\"}],\"hints\":{"),
          "bound input 0 the unknown dtype 'int65'" },
        { "ABI 2", Replace("\"abi_version\":1", "\"abi_version\":2"), "ABI version 2" },
        { "JSON null", "null", "empty (null)" },
        { "JSON array", "[]", "not valid JSON" },
        { "truncated JSON", AddOneJson[..40], "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public void EachLieInTheMetadataIsAnErrorNamingTheField(string what, string json, string expected)
    {
        var error = Assert.Throws<WasmGraphException>(() => Read(Module(json)));

        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {error.Message}");
    }

    [Fact]
    public void AnOutputLargerThanTheModulesMemoryIsRefusedBeforeAnythingIsAllocated()
    {
        // 300 bytes of module declaring a 2 GB output: the memory is one page, so no host buffer may follow the claim.
        var json = OutputY("\"shape\":[536870911],\"bytes\":2147483644");

        var module = Module(json, pages: 1);

        var error = Assert.Throws<WasmGraphException>(() => Read(module));
        Assert.Equal("model metadata declares output 'y' of 2147483644 bytes, more than the module's memory of 65536 bytes", error.Message);
        // inspect shows the claim: it allocates nothing from it.
        Assert.Equal(2147483644, ModuleMetadataReader.Read(WasmBinaryReader.Read(module)).Outputs[0].ByteSize);
    }

    [Fact]
    public void OutputsThatTogetherExceedTheMemoryAreRefused()
    {
        var output = "{\"name\":\"NAME\",\"dtype\":\"float32\",\"shape\":[10000],\"bytes\":40000}";
        var json = Replace("\"outputs\":[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]",
                           $"\"outputs\":[{output.Replace("NAME", "a")},{output.Replace("NAME", "b")}]");

        Assert.Equal(2, Read(Module(json, pages: 2)).Outputs.Length);
        var error = Assert.Throws<WasmGraphException>(() => Read(Module(json, pages: 1)));
        Assert.Contains("outputs of 80000+ bytes in all (at 'b'), more than the module's memory of 65536 bytes", error.Message);
    }

    [Fact]
    public void AModuleWhoseMemoryStartsAboveTheLimitIsRefusedBeforeItsInputsAreBuilt()
    {
        var module = Module(AddOneJson, pages: 100);

        Assert.NotNull(Read(module, maxMemoryBytes: 100 * 65536));
        var error = Assert.Throws<WasmGraphException>(() => Read(module, maxMemoryBytes: 16 * 65536));
        Assert.Equal("the model needs 6553600 bytes of memory at start, over the memory limit of 1048576 bytes", error.Message);
    }

    [Fact]
    public void AModuleWithoutTheMetadataSectionIsAnError()
    {
        byte[] module = [.. Header, .. CustomSection("other", [1, 2, 3])];

        Assert.Null(WasmBinaryReader.Read(module).FindCustomSection(ModuleAbi.MetadataSection));
        var error = Assert.Throws<WasmGraphException>(() => Read(module));
        Assert.Contains("has no 'wasmgraph.meta' custom section", error.Message);
    }

    [Fact]
    public void AModuleWithoutMemoryIsBoundedByTheWasm32MaximumOrTheLimit()
    {
        // A plugin's artifact need not define a memory (its runtime places the tensors); its sizes are still bounded.
        var small = new List<byte>(Header);
        small.AddRange(CustomSection(ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(AddOneJson)));
        var huge = new List<byte>(Header);
        huge.AddRange(CustomSection(ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(
            AddOneJson.Replace("\"shape\":[4],\"bytes\":16", "\"shape\":[536870911],\"bytes\":2147483644", StringComparison.Ordinal))));

        Assert.Equal(2, Read(small.ToArray()).Inputs.Length + Read(small.ToArray()).Outputs.Length);
        var error = Assert.Throws<WasmGraphException>(() => ModuleMetadataReader.ReadForRun(WasmBinaryReader.Read(huge.ToArray()), 1 << 20));
        Assert.Contains("more than the module's memory of 1048576 bytes", error.Message);
    }

    [Fact]
    public void TheReaderTakesTheLargestInitialMemoryAndIgnores64BitOnes()
    {
        // Two memories (multi-memory): 3 pages with a maximum of 9, and a 64-bit one of 2^40 pages the ABI refuses anyway.
        byte[] memories = [5, 11, 2, 0x01, 3, 9, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20];

        var info = WasmBinaryReader.Read((byte[])[.. Header, .. memories]);

        Assert.Equal(3 * 65536, info.InitialMemoryBytes);
        Assert.Equal("memory", Assert.Single(info.Sections).Describe());
    }

    public static TheoryData<string, byte[], string> BadFraming => new()
    {
        { "section size 0x7FFFFFFF", [.. Header, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, (byte)'a'], "declares 2147483647 bytes but only 2 remain" },
        { "name length past the end", [.. Header, 0, 3, 0x7F, (byte)'a', (byte)'b'], "runs past the end of its section" },
        { "empty custom section", [.. Header, 0, 0], "custom section name length at offset 10 is a truncated LEB128" },
        { "memory count without limits", [.. Header, 5, 1, 1], "memory limits" },
        { "memory flags unknown", [.. Header, 5, 3, 1, 0x08, 1], "unknown flags 0x08" },
        { "memory minimum over 32 bits", [.. Header, 5, 7, 1, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "does not fit in 32 bits" },
    };

    [Theory]
    [MemberData(nameof(BadFraming))]
    public void BadSectionFramingIsAnError(string what, byte[] module, string expected)
    {
        var error = Assert.Throws<WasmGraphException>(() => Read(module));

        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {error.Message}");
    }

    [Fact]
    public void AMetadataSectionOverTheLimitIsRefusedWithoutDecodingIt()
    {
        var huge = new byte[ModuleMetadataReader.MaxSectionBytes + 1];
        Array.Fill(huge, (byte)' ');

        var error = Assert.Throws<WasmGraphException>(() => Read(Module(huge)));

        Assert.Contains($"over the limit of {ModuleMetadataReader.MaxSectionBytes}", error.Message);
    }
}
