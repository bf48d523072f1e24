using Wasmtime;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Codegen;

/// <summary>The backend emits the ABI exactly as <see cref="ModuleAbi"/> defines it: every function, with its signature.</summary>
public sealed class ModuleGeneratorAbiTests
{
    [Fact]
    public void ACompiledModuleExportsEveryAbiFunctionWithItsSignatureAndTheMemory()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", Abstractions.Ir.DataType.Float32, 1, 4)
            .Node("Relu", ["x"], ["y"])
            .Output("y", Abstractions.Ir.DataType.Float32);
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()));

        using var engine = new Engine();
        using var module = Module.FromBytes(engine, "relu", artifact.Bytes);
        var functions = module.Exports.OfType<FunctionExport>().ToDictionary(f => f.Name, StringComparer.Ordinal);

        Assert.Contains(module.Exports.OfType<MemoryExport>(), m => m.Name == ModuleAbi.Memory && !m.Is64Bit);
        Assert.Equal(ModuleAbi.Functions.Select(f => f.Name).Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));
        foreach (var abi in ModuleAbi.Functions)
        {
            var export = functions[abi.Name];
            Assert.True(abi.Parameters.All(p => p == AbiValueType.I32) && abi.Results.All(r => r == AbiValueType.I32), abi.Name);
            Assert.Equal(Enumerable.Repeat(ValueKind.Int32, abi.Parameters.Length), export.Parameters);
            Assert.Equal(Enumerable.Repeat(ValueKind.Int32, abi.Results.Length), export.Results);
        }
    }

    [Fact]
    public void TheModuleReportsTheAbiVersion()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", Abstractions.Ir.DataType.Float32, 4)
            .Node("Relu", ["x"], ["y"])
            .Output("y", Abstractions.Ir.DataType.Float32);
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()));

        using var engine = new Engine();
        using var module = Module.FromBytes(engine, "relu", artifact.Bytes);
        using var store = new Store(engine);
        var instance = new Instance(store, module);

        Assert.Equal(ModuleAbi.Version, instance.GetFunction<int>(ModuleAbi.AbiVersion.Name)!());
        Assert.Equal(ModuleAbi.Version, artifact.Metadata.Abi);
    }
}
