using System.Text;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

public class WasmBinaryReaderTests
{
    private static readonly byte[] Header = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00];

    [Fact]
    public void ItFindsTheMetadataSectionOfAModuleWithoutImports()
    {
        var info = WasmBinaryReader.Read(TestModules.AddOne());

        Assert.Equal(0, info.ImportCount);
        var json = Encoding.UTF8.GetString(info.FindCustomSection(ModuleAbi.MetadataSection)!.Value.Span);
        Assert.Equal(TestModules.AddOneMetadata.ToJson(), json);
    }

    [Fact]
    public void ItCountsImports()
    {
        var wasm = TestModules.Build("""(module (import "env" "f" (func)) (import "env" "m" (memory 1)))""", null);

        Assert.Equal(2, WasmBinaryReader.Read(wasm).ImportCount);
    }

    [Fact]
    public void ItReturnsNullForAnAbsentSection()
        => Assert.Null(WasmBinaryReader.Read(Header).FindCustomSection(ModuleAbi.MetadataSection));

    [Fact]
    public void ItRefusesTwoMetadataSections()
    {
        var once = TestModules.AppendCustomSection(Header, ModuleAbi.MetadataSection, "{}"u8.ToArray());
        var twice = TestModules.AppendCustomSection(once, ModuleAbi.MetadataSection, "{}"u8.ToArray());

        var error = Assert.Throws<WasmGraphException>(() => WasmBinaryReader.Read(twice).FindCustomSection(ModuleAbi.MetadataSection));
        Assert.Contains("more than one", error.Message);
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "empty", [], "shorter than the 8-byte header" },
        { "bad magic", [0x7F, 0x45, 0x4C, 0x46, 1, 0, 0, 0], "magic number" },
        { "component", [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00], "component" },
        { "version 2", [0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00], "version 2" },
        { "section past the end", [.. Header, 1, 10, 0, 0], "declares 10 bytes but only 2 remain" },
        { "truncated size", [.. Header, 1, 0x80], "truncated LEB128" },
        { "six-byte size", [.. Header, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], "longer than 5 bytes" },
        { "size over 32 bits", [.. Header, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "does not fit in 32 bits" },
        { "name past its section", [.. Header, 0, 2, 5, 0x61], "runs past the end of its section" },
        { "name not UTF-8", [.. Header, 0, 3, 2, 0xC3, 0x28], "not valid UTF-8" },
        { "unknown section", [.. Header, 42, 0], "unknown section id 42" },
        { "import count missing", [.. Header, 2, 0], "import count at offset 10 is a truncated LEB128" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void ItRejectsMalformedBinariesWithAClearMessage(string what, byte[] bytes, string expected)
    {
        var error = Assert.Throws<WasmGraphException>(() => WasmBinaryReader.Read(bytes));

        Assert.StartsWith("not a valid WebAssembly module: ", error.Message);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {error.Message}");
    }

    [Fact]
    public void ItRejectsEveryTruncationOfAValidModule()
    {
        var wasm = TestModules.AddOne();
        for (int length = 0; length < wasm.Length; length++)
        {
            // Cutting at a section boundary leaves a well-formed prefix; anything else must be reported.
            try
            {
                var info = WasmBinaryReader.Read(wasm.AsMemory(0, length));
                Assert.Null(info.FindCustomSection(ModuleAbi.MetadataSection));
            }
            catch (WasmGraphException e)
            {
                Assert.StartsWith("not a valid WebAssembly module: ", e.Message);
            }
        }
    }
}
