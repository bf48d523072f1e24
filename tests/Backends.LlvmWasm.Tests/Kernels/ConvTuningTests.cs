using System.Collections.Immutable;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Kernels;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// The backend's side of tuning: the target key, the workloads and candidates it offers, what a tuning log's entries
/// mean (and which it refuses), the order in which forced, tuned and table choices win, and the choice each conv's
/// metadata records.
/// </summary>
public class ConvTuningTests
{
    private static readonly string Target = ConvTuning.Target(BackendOptions.DefaultFeatures);

    private static TuningLog Log(params (string Key, string Target, string Choice)[] entries) => new()
    {
        Source = "test.tuning.json",
        Entries = [.. entries.Select(e => new TuningEntry(e.Key, e.Target, e.Choice, 1.0,
                                                          ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(e.Choice, 1.0)]), 3, DateTimeOffset.UnixEpoch))],
    };

    [Fact]
    public void TheTargetIsTheFeatureStringSortedSoTheOrderGivenDoesNotMatter()
    {
        Assert.Equal("+relaxed-simd,+simd128", ConvTuning.Target("+simd128,+relaxed-simd"));
        Assert.Equal(ConvTuning.Target("+simd128,+relaxed-simd"), ConvTuning.Target(" +relaxed-simd , +simd128"));
        Assert.Equal("+bulk-memory,+nontrapping-fptoint,+relaxed-simd,+sign-ext,+simd128", Target);
        Assert.Equal(Target, new LlvmWasmBackend().TuningTarget(new BackendOptions()));
    }

    [Fact]
    public void AShapeKeyRoundTripsAndNonsenseIsNotAShape()
    {
        var shape = new ConvShape(3, 8, 9, 7, 3, 3, 2, 1, 1, 2, 1, 0, 1, 2, 1);
        Assert.Equal(shape, ConvShape.TryParse(shape.Key));
        Assert.Null(ConvShape.TryParse(shape.Key + " "));
        Assert.Null(ConvShape.TryParse("conv2d C=0 M=8 H=9 W=7 K=3x3 S=1x1 D=1x1 P=0,0,0,0 G=1"));      // no channels
        Assert.Null(ConvShape.TryParse("conv2d C=3 M=8 H=1 W=7 K=3x3 S=1x1 D=1x1 P=0,0,0,0 G=1"));      // kernel taller than the input
        Assert.Null(ConvShape.TryParse("conv2d C=3 M=8 H=9 W=7 K=3x3 S=1x1 D=1x1 P=0,0,0,0 G=99999999999")); // too many digits
    }

    [Fact]
    public void TheLogsEntriesForThisTargetAreTheChoicesAndOthersAreNotRead()
    {
        var a = ConvShape.Same3x3(64, 56);
        var b = ConvShape.Same3x3(16, 10);
        var log = Log((a.Key, Target, "winograd2"), (b.Key, Target, "direct"), (b.Key, "+simd128", "not even an algorithm"));
        var choices = ConvTuning.Choices(log, Target);
        Assert.Equal(2, choices.Count);
        Assert.Equal(ConvAlgorithm.Winograd2, choices[a]);
        Assert.Equal(ConvAlgorithm.Direct, choices[b]);
        Assert.Empty(ConvTuning.Choices(log, "+simd128,+bulk-memory"));
    }

    [Theory]
    [InlineData("conv2d C=64 M=64 H=56 W=56 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1", "winograd5", "choice 'winograd5' is not a convolution algorithm")]
    [InlineData("conv2d C=64 M=64 H=56 W=56 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1", "auto", "choice 'auto' is not a convolution algorithm")]
    [InlineData("conv2d C=64 M=64 H=56 W=56 K=3x3 S=2x2 D=1x1 P=1,1,1,1 G=1", "winograd2", "choice 'winograd2' does not fit this shape: winograd2 needs a 3×3 kernel, stride 1")]
    [InlineData("conv2d C=64 M=64 H=5 W=5 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1", "winograd6", "output of at least 6×6")]
    [InlineData("conv 64x64", "direct", "not a convolution shape llvm-wasm tunes")]
    public void AnEntryThatMakesNoSenseForThisTargetIsRefusedNamingTheFileAndTheEntry(string key, string choice, string message)
    {
        var log = Log((ConvShape.Same3x3(8, 8).Key, Target, "direct"), (key, Target, choice));
        var error = Assert.Throws<WasmGraphException>(() => new LlvmWasmBackend().CheckOptions(new BackendOptions { Tuning = log }));
        Assert.StartsWith($"test.tuning.json: entry 1 (key '{key}'): ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void AForcedAlgorithmBeatsTheLogWhichBeatsTheTableWhichBeatsTheDefault()
    {
        var measured = ConvShape.Same3x3(64, 56).Geometry();    // in the built-in table: winograd4
        var unlisted = ConvShape.Same3x3(16, 10).Geometry();
        var tuned = new Dictionary<ConvShape, ConvAlgorithm> { [ConvShape.Of(measured)] = ConvAlgorithm.Winograd2 };
        Assert.Equal(new ConvChoice(ConvAlgorithm.Winograd4, ConvChoice.Table), ConvAlgorithms.Decide(measured, null));
        Assert.Equal(new ConvChoice(ConvAlgorithm.Winograd2, ConvChoice.Tuned), ConvAlgorithms.Decide(measured, null, tuned));
        Assert.Equal(new ConvChoice(ConvAlgorithm.Winograd6, ConvChoice.Forced), ConvAlgorithms.Decide(measured, ConvAlgorithm.Winograd6, tuned));
        Assert.Equal(new ConvChoice(ConvAlgorithm.Direct, ConvChoice.Default), ConvAlgorithms.Decide(unlisted, null, tuned));
    }

    /// <summary>x [1,4,12,12] → 3×3 conv (pad 1) → 1×1 conv → 3×3 stride-2 conv → 3×3 conv (pad 1), the last with the first's shape.</summary>
    private static OnnxModelBuilder Model() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 1, 4, 12, 12)
        .Initializer("w1", TestTensors.Random([4, 4, 3, 3], seed: 1))
        .Initializer("w2", TestTensors.Random([4, 4, 1, 1], seed: 2))
        .Initializer("w3", TestTensors.Random([4, 4, 3, 3], seed: 3))
        .Initializer("w4", TestTensors.Random([4, 4, 3, 3], seed: 4))
        .NamedNode("c1", "Conv", ["x", "w1"], ["a"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .NamedNode("c2", "Conv", ["a", "w2"], ["b"], OnnxAttr.Ints("kernel_shape", 1, 1))
        .NamedNode("c3", "Conv", ["b", "w3"], ["c"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .NamedNode("c4", "Conv", ["b", "w4"], ["d"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .Output("c", DataType.Float32)
        .Output("d", DataType.Float32);

    [Fact]
    public void TheWorkloadsAreTheDistinctShapesWithAChoiceEachWithTheAlgorithmsThatFit()
    {
        var graph = WasmPipeline.Import(Model().ToBytes());
        var workloads = new LlvmWasmBackend().TuningWorkloads(graph, new BackendOptions());
        var workload = Assert.Single(workloads); // c1 and c4 share a shape; the 1×1 and the stride-2 conv have no choice
        Assert.Equal(ConvShape.Same3x3(4, 12).Key, workload.Key);
        Assert.Equal(["c1", "c4"], workload.Nodes.ToArray());
        Assert.Equal(["direct", "winograd2", "winograd4", "winograd6"], workload.Candidates.Select(c => c.Name));
        Assert.All(workload.Candidates, c => Assert.Equal(c.Name, c.Options.ConvAlgorithm));
        var conv = Assert.Single(workload.Benchmark.Nodes);
        Assert.Equal("Conv", conv.Op);
        Assert.Equal([1L, 4, 12, 12], workload.Benchmark.TypeOf("x").Shape.Dims.ToArray());
        Assert.Equal(graph.Constants["w1"].Bytes.ToArray(), workload.Benchmark.Constants[conv.Inputs[1]].Bytes.ToArray());
    }

    [Fact]
    public void EachConvRecordsItsAlgorithmAndWhatChoseItAndTheTunedModuleMatchesOnnxRuntime()
    {
        var log = Log((ConvShape.Same3x3(4, 12).Key, Target, "winograd4"));
        var graph = WasmPipeline.Import(Model().ToBytes());
        var kernels = WasmPipeline.Compile(graph, new BackendOptions { Tuning = log }).Metadata.Kernels.ToDictionary(k => k.Name);
        Assert.Equal(("winograd4", "tuned"), (kernels["c1"].Algorithm, kernels["c1"].ChosenBy));
        Assert.Equal(("winograd4", "tuned"), (kernels["c4"].Algorithm, kernels["c4"].ChosenBy));
        Assert.Equal(("direct", "default"), (kernels["c2"].Algorithm, kernels["c2"].ChosenBy));
        Assert.Equal(("direct", "default"), (kernels["c3"].Algorithm, kernels["c3"].ChosenBy));

        var inputs = OpHarness.Inputs(("x", TestTensors.Random([1, 4, 12, 12], seed: 9)));
        OpHarness.AssertMatchesOnnxRuntime(Model(), inputs, options: new BackendOptions { Tuning = log });
    }
}
