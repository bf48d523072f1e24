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
        // wg_input_dims only in a module with a run-time extent: a static module stays what it was.
        var expected = ModuleAbi.Functions.Where(f => f != ModuleAbi.InputDims).ToList();
        Assert.Equal(expected.Select(f => f.Name).Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));
        foreach (var abi in expected)
        {
            var export = functions[abi.Name];
            Assert.True(abi.Parameters.All(p => p == AbiValueType.I32) && abi.Results.All(r => r == AbiValueType.I32), abi.Name);
            Assert.Equal(Enumerable.Repeat(ValueKind.Int32, abi.Parameters.Length), export.Parameters);
            Assert.Equal(Enumerable.Repeat(ValueKind.Int32, abi.Results.Length), export.Results);
        }
    }

    /// <summary>
    /// A module with a run-time extent (docs/abi.md, "Bounded dynamic inputs") exports <c>wg_input_dims</c>, starts
    /// with the bound there, and <c>wg_run</c> returns 2 without running for dims outside the range or a static axis
    /// changed; for dims inside it runs and reports the extent in <c>wg_output_dims</c>.
    /// </summary>
    [Theory]
    [InlineData(1, 5, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(1, 8, 0)]
    [InlineData(1, 9, 2)]
    [InlineData(1, 1, 2)]
    [InlineData(1, 0, 2)]
    [InlineData(1, -3, 2)]
    [InlineData(2, 5, 2)]
    public void WgRunChecksTheInputDimsOfARunTimeExtent(int batch, int length, int status)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", Abstractions.Ir.DataType.Float32, 1, 8)
            .Node("Relu", ["x"], ["y"])
            .Output("y", Abstractions.Ir.DataType.Float32);
        var graph = WasmPipeline.Import(model.ToBytes());
        var axis = Abstractions.Ir.DynamicDims.Of(1);
        graph = graph with { Extent = new Abstractions.Ir.RunTimeExtent(2, 8, System.Collections.Immutable.ImmutableDictionary<string, Abstractions.Ir.DynamicDims>.Empty.Add("x", axis).Add("y", axis)) };
        var artifact = WasmPipeline.Compile(graph);
        Assert.Equal([1L, 2], artifact.Metadata.Inputs[0].MinShape!.Value.ToArray());
        Assert.Equal([1], artifact.Metadata.Outputs[0].DynamicDims!.Value.ToArray());

        using var engine = new Engine();
        using var module = Module.FromBytes(engine, "relu", artifact.Bytes);
        using var store = new Store(engine);
        var instance = new Instance(store, module);
        var memory = instance.GetMemory(ModuleAbi.Memory)!;
        int inputDims = instance.GetFunction<int, int>(ModuleAbi.InputDims.Name)!(0);
        Assert.Equal([1, 8], new[] { memory.ReadInt32(inputDims), memory.ReadInt32(inputDims + 4) });

        memory.WriteInt32(inputDims, batch);
        memory.WriteInt32(inputDims + 4, length);
        Assert.Equal(status, instance.GetFunction<int>(ModuleAbi.Run.Name)!());
        if (status == 0)
        {
            int outputDims = instance.GetFunction<int, int>(ModuleAbi.OutputDims.Name)!(0);
            Assert.Equal([1, length], new[] { memory.ReadInt32(outputDims), memory.ReadInt32(outputDims + 4) });
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
