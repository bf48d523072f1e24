using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Codegen;

/// <summary>
/// Threaded modules (<c>compile --threads</c>, Codegen/Threading.cs and WorkSplit.cs) through the real pipeline: each
/// kernel that splits its work is compiled for 7 workers and run by 1, 2, 3 and 7 of them (worker counts that divide
/// none of these shapes' loops evenly). With <see cref="BackendOptions.Deterministic"/> every count must give the
/// single-threaded module's bits exactly; without it (relaxed FMA), within 1e-5 of max |1-worker result|; and always
/// within the kernel tests' tolerances of ONNX Runtime.
/// </summary>
public class ThreadingTests
{
    private const int CompiledWorkers = 7;
    private static readonly int[] WorkerCounts = [1, 2, 3, 7];
    private static readonly IRuntime Runtime = new WasmtimeRuntime();

    public static TheoryData<string> Kernels => new() { "direct-conv", "direct-conv-pixel-major", "direct-conv-in-place", "direct-conv-one-image", "winograd-conv", "winograd-conv-one-image", "winograd-conv-blocks", "depthwise-conv", "gemm", "gemm-single-row", "matmul-packed", "matmul-runtime", "max-pool", "average-pool", "global-average-pool", "large-elementwise", "softmax", "layer-norm", "transpose", "independent-products", "conv-transpose", "int8-conv", "int8-conv-one-image", "int8-depthwise-conv", "int8-depthwise-conv-one-image", "int8-matmul", "quantize-linear" };

    public static TheoryData<string> QuantizedKernels => new() { "int8-conv", "int8-depthwise-conv", "int8-matmul", "quantize-linear" };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ItGivesTheSameBitsForEveryWorkerCountWhenDeterministic(string kernel)
    {
        var (model, inputs, tolerance) = Model(kernel);
        var graph = WasmPipeline.Import(model.ToBytes());
        var single = Run(WasmPipeline.Compile(graph, Options(kernel) with { Deterministic = true }).Bytes, inputs, workers: 1);
        var threaded = WasmPipeline.Compile(graph, Options(kernel) with { Deterministic = true, Threads = CompiledWorkers }).Bytes;
        foreach (var workers in WorkerCounts)
        {
            var outputs = Run(threaded, inputs, workers);
            foreach (var (name, expected) in single)
            {
                TensorAssert.Exact(expected, outputs[name], $"{kernel}, output '{name}' with {workers} workers");
            }
        }
        var reference = OnnxRuntimeOracle.Run(model.ToBytes(), inputs);
        foreach (var (name, expected) in reference)
        {
            TensorAssert.Close(expected, single[name], tolerance, $"{kernel}, output '{name}' against ONNX Runtime");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ItStaysWithin1e5OfOneWorkerWithRelaxedArithmetic(string kernel)
    {
        var (model, inputs, tolerance) = Model(kernel);
        var threaded = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), Options(kernel) with { Threads = CompiledWorkers }).Bytes;
        var one = Run(threaded, inputs, workers: 1);
        foreach (var workers in WorkerCounts.Skip(1))
        {
            var outputs = Run(threaded, inputs, workers);
            foreach (var (name, expected) in one)
            {
                TensorAssert.Close(expected, outputs[name], 1e-5, $"{kernel}, output '{name}' with {workers} workers");
            }
        }
        foreach (var (name, expected) in OnnxRuntimeOracle.Run(model.ToBytes(), inputs))
        {
            TensorAssert.Close(expected, one[name], tolerance, $"{kernel}, output '{name}' against ONNX Runtime");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheKernelProfileTimesEachKernelAsTheWorkersRunIt(int workers)
    {
        // A 3×3 convolution of 32 → 32 channels on 40×40 (~30 MFLOP) and then a global average pool (51 kFLOP):
        // wg_run_kernel_worker must time them in metadata order, on every worker, without disturbing the next run.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 32, 40, 40)
            .Initializer("w", TestTensors.Random([32, 32, 3, 3], seed: 2))
            .Node("Conv", ["x", "w"], ["c"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("GlobalAveragePool", ["c"], ["y"])
            .Output("y", DataType.Float32);
        var inputs = Inputs(("x", TestTensors.Random([1, 32, 40, 40], seed: 1)));
        var compiled = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), new BackendOptions { Threads = 2 });
        using var session = Runtime.Load(compiled.Bytes, new RuntimeOptions { Threads = workers });
        var before = session.Run(inputs)["y"];
        var ms = ((IKernelProfiler)session).ProfileKernels(inputs, 3);
        Assert.Equal(compiled.Metadata.Kernels.Select(k => k.Op), ["Conv", "GlobalAveragePool"]);
        Assert.Equal(2, ms.Count);
        Assert.All(ms, t => Assert.InRange(t, 0, 10_000));
        Assert.True(ms[0] > ms[1], $"the convolution ({ms[0]:F3} ms) should take longer than the pool ({ms[1]:F3} ms)");
        TensorAssert.Exact(before, session.Run(inputs)["y"], "a run after profiling");
    }

    [Fact]
    public void TheMetadataSaysHowEachKernelSplits()
    {
        var (model, _, _) = Model("independent-products");
        var kernels = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), new BackendOptions { Threads = 2 }).Metadata.Kernels;
        Assert.All(kernels.Where(k => k.Op == "MatMul"), k => Assert.InRange(k.Split!.Value, 9, 37)); // 9 full row tiles of 4 (or finer)
        Assert.All(kernels.Where(k => k.Op == "Add"), k => Assert.Equal(0, k.Split)); // 37×45 elements: worker 0 alone
        Assert.All(WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), new BackendOptions()).Metadata.Kernels, k => Assert.Null(k.Split));
    }

    [Fact]
    public void ASingleRowGemmSplitsItsColumnPanels()
    {
        var (model, _, _) = Model("gemm-single-row");
        var gemm = Assert.Single(WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), new BackendOptions { Threads = 2 }).Metadata.Kernels);
        Assert.Equal(5, gemm.Split); // 45 columns: 5 full panels of 8 (the ragged sixth is a loop of its own)
    }

    [Theory]
    [MemberData(nameof(QuantizedKernels))]
    public void TheInt8KernelsSplitToo(string kernel)
    {
        var (model, _, _) = Model(kernel);
        var kernels = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), new BackendOptions { Threads = 2 }).Metadata.Kernels;
        Assert.All(kernels, k => Assert.True(k.Split > 1, $"{kernel}: kernel {k.Name} ({k.Op}) split {k.Split}"));
    }

    [Fact]
    public void ItImportsOneSharedMemoryOfTheSizeTheMetadataStates()
    {
        var (model, _, _) = Model("gemm");
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), new BackendOptions { Threads = 4 });
        var info = WasmBinaryReader.Read(artifact.Bytes);
        Assert.Equal(1, info.ImportCount);
        Assert.Equal(4, artifact.Metadata.Threads);
        var memory = artifact.Metadata.SharedMemory!;
        Assert.Equal(memory.InitialPages, memory.MaximumPages);
        Assert.InRange(memory.InitialPages, 1, 65536);
        // The memory import's limits as encoded: module "env", field "memory", kind 2, flags 3 (max + shared), min, max.
        var import = info.Sections.Single(s => s.Id == 2);
        var bytes = artifact.Bytes.AsSpan(import.Offset, import.Length).ToArray();
        Assert.Equal([1, 3, (byte)'e', (byte)'n', (byte)'v', 6, (byte)'m', (byte)'e', (byte)'m', (byte)'o', (byte)'r', (byte)'y', 2, 3], bytes[..14]);
        Assert.Equal(memory.InitialPages, ReadLeb(bytes, 14, out int next));
        Assert.Equal(memory.MaximumPages, ReadLeb(bytes, next, out _));
    }

    [Fact]
    public void TheDefaultModuleStaysImportFreeAndSingleThreaded()
    {
        var (model, _, _) = Model("gemm");
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()));
        Assert.Equal(0, WasmBinaryReader.Read(artifact.Bytes).ImportCount);
        Assert.Null(artifact.Metadata.Threads);
        Assert.Null(artifact.Metadata.SharedMemory);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void ItRefusesAWorkerCountOutsideTheRange(int threads)
    {
        var (model, _, _) = Model("gemm");
        var error = Assert.Throws<WasmGraph.Abstractions.WasmGraphException>(
            () => WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()), new BackendOptions { Threads = threads }));
        Assert.Contains($"--threads {threads}", error.Message);
    }

    /// <summary>The Winograd case forces F(4×4, 3×3), so that it is not left to the measured table.</summary>
    private static BackendOptions Options(string kernel) => kernel.StartsWith("winograd-conv", StringComparison.Ordinal) ? new BackendOptions { ConvAlgorithm = "winograd4" } : new BackendOptions();

    private static long ReadLeb(byte[] bytes, int at, out int next)
    {
        long value = 0;
        int shift = 0;
        while (true)
        {
            byte b = bytes[at++];
            value |= (long)(b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                next = at;
                return value;
            }
        }
    }

    private static IReadOnlyDictionary<string, TensorData> Run(byte[] module, IReadOnlyDictionary<string, TensorData> inputs, int workers)
    {
        using var session = Runtime.Load(module, new RuntimeOptions { Threads = workers });
        var first = session.Run(inputs);
        // A second run of the session gives the same bits: nothing a run leaves in the shared memory (the barrier's
        // counter, the claim counters) changes the next.
        foreach (var (name, output) in session.Run(inputs))
        {
            TensorAssert.Exact(first[name], output, $"output '{name}' of a second run with {workers} workers");
        }
        return first;
    }

    /// <summary>One small model per kernel that splits, with seeded inputs and its tolerance against ONNX Runtime.</summary>
    private static (OnnxModelBuilder Model, ImmutableDictionary<string, TensorData> Inputs, double Tolerance) Model(string kernel)
    {
        OnnxModelBuilder Conv(int c, int m, int h, int w, int group, long[] kernelShape, int images = 2) => new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, images, c, h, w)
            .Initializer("w", TestTensors.Random([m, c / group, kernelShape[0], kernelShape[1]], seed: 2))
            .Initializer("b", TestTensors.Random([m], seed: 3))
            .Node("Conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("kernel_shape", kernelShape), OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Int("group", group))
            .Node("Relu", ["c"], ["y"])
            .Output("y", DataType.Float32);
        var image = Inputs(("x", TestTensors.Random([2, 8, 13, 11], seed: 1)));
        switch (kernel)
        {
            case "direct-conv":
                return (Conv(8, 12, 13, 11, 1, [5, 5]), image, 1e-4); // weights (2400 floats) ≥ input scratch: block-major
            case "direct-conv-pixel-major":
                // A 1×1 convolution that reduces 8 → 4 channels on 13×11 with pads: its input scratch (~1600 floats)
                // is larger than the weights (32) and the output scratch (800), so the tiles are split pixel-major:
                // 3 chunks of 8 tiles and a chunk with the narrow rest tile.
                return (Conv(8, 4, 13, 11, 1, [1, 1]), image, 1e-4);
            case "direct-conv-in-place":
                // 1×1, stride 1, no padding, 12×10 planes (whole vectors): the kernel reads the input tensor in place,
                // no copy phase; 2 images, 16 → 8 channels (pixel-major).
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 2, 16, 12, 10)
                    .Initializer("w", TestTensors.Random([8, 16, 1, 1], seed: 2))
                    .Initializer("b", TestTensors.Random([8], seed: 3))
                    .Node("Conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("kernel_shape", 1, 1))
                    .Node("Relu", ["c"], ["y"])
                    .Output("y", DataType.Float32), Inputs(("x", TestTensors.Random([2, 16, 12, 10], seed: 1))), 1e-4);
            case "winograd-conv":
                return (Conv(8, 12, 13, 11, 1, [3, 3]), image, 1e-4); // forced to winograd4 by Options
            // One image, as a deployed model runs: the phases are then outside any loop of the kernel, so the workers
            // claim their chunks at run time (Threading.ClaimedFor); with two images they split statically.
            case "direct-conv-one-image":
                return (Conv(8, 12, 13, 11, 1, [5, 5], images: 1), Inputs(("x", TestTensors.Random([1, 8, 13, 11], seed: 1))), 1e-4);
            case "winograd-conv-one-image":
                return (Conv(8, 12, 13, 11, 1, [3, 3], images: 1), Inputs(("x", TestTensors.Random([1, 8, 13, 11], seed: 1))), 1e-4);
            case "winograd-conv-blocks":
                // 64 → 64 channels on 20×20: 25 tiles of 4×4 over the 24 a block's 512 KiB holds, so two blocks of
                // tiles, whose input transforms and products claim their work inside the kernel's loop over blocks.
                return (Conv(64, 64, 20, 20, 1, [3, 3], images: 1), Inputs(("x", TestTensors.Random([1, 64, 20, 20], seed: 1))), 1e-3);
            case "depthwise-conv":
                return (Conv(8, 8, 13, 11, 8, [3, 3]), image, 1e-4);
            case "gemm":
                return (new OnnxModelBuilder().Opset(13)
                    .Input("a", DataType.Float32, 37, 29)
                    .Initializer("b", TestTensors.Random([29, 45], seed: 2))
                    .Initializer("c", TestTensors.Random([45], seed: 3))
                    .Node("Gemm", ["a", "b", "c"], ["y"])
                    .Output("y", DataType.Float32), Inputs(("a", TestTensors.Random([37, 29], seed: 1))), 1e-4);
            case "gemm-single-row":
                // One row (a classifier's): under one 4-row tile, so its 8-column panels are split, the ragged last one too.
                return (new OnnxModelBuilder().Opset(13)
                    .Input("a", DataType.Float32, 1, 29)
                    .Initializer("b", TestTensors.Random([29, 45], seed: 2))
                    .Initializer("c", TestTensors.Random([45], seed: 3))
                    .Node("Gemm", ["a", "b", "c"], ["y"])
                    .Output("y", DataType.Float32), Inputs(("a", TestTensors.Random([1, 29], seed: 1))), 1e-4);
            case "matmul-packed":
                return (new OnnxModelBuilder().Opset(13)
                    .Input("a", DataType.Float32, 3, 23, 17)
                    .Initializer("b", TestTensors.Random([17, 33], seed: 2))
                    .Node("MatMul", ["a", "b"], ["y"])
                    .Output("y", DataType.Float32), Inputs(("a", TestTensors.Random([3, 23, 17], seed: 1))), 1e-4);
            case "matmul-runtime":
                return (new OnnxModelBuilder().Opset(13)
                    .Input("a", DataType.Float32, 3, 21, 16)
                    .Input("b", DataType.Float32, 3, 16, 19)
                    .Node("MatMul", ["a", "b"], ["y"])
                    .Output("y", DataType.Float32), Inputs(("a", TestTensors.Random([3, 21, 16], seed: 1)), ("b", TestTensors.Random([3, 16, 19], seed: 2))), 1e-4);
            case "max-pool":
            case "average-pool":
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 2, 8, 13, 11)
                    .Node(kernel == "max-pool" ? "MaxPool" : "AveragePool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 1, 1, 1))
                    .Output("y", DataType.Float32), image, 1e-5);
            case "global-average-pool":
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 2, 8, 13, 11)
                    .Node("GlobalAveragePool", ["x"], ["y"])
                    .Output("y", DataType.Float32), image, 1e-5);
            case "large-elementwise":
                // Above WorkSplit.MinSplitElements: Add + Relu fuse into one FusedElementwise kernel that splits.
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 3, 97, 101)
                    .Input("r", DataType.Float32, 3, 97, 101)
                    .Node("Add", ["x", "r"], ["s"])
                    .Node("Relu", ["s"], ["y"])
                    .Output("y", DataType.Float32),
                    Inputs(("x", TestTensors.Random([3, 97, 101], seed: 1)), ("r", TestTensors.Random([3, 97, 101], seed: 2))), 1e-6);
            case "softmax":
                // 3·7·31 rows of 29 (above WorkSplit.MinSplitElements): rows split over the workers.
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 3, 7, 31, 29)
                    .Node("Softmax", ["x"], ["y"], OnnxAttr.Int("axis", -1))
                    .Output("y", DataType.Float32), Inputs(("x", TestTensors.Random([3, 7, 31, 29], seed: 1))), 1e-5);
            case "layer-norm":
                return (new OnnxModelBuilder().Opset(17)
                    .Input("x", DataType.Float32, 3, 67, 97)
                    .Initializer("s", TestTensors.Random([97], seed: 2))
                    .Initializer("b", TestTensors.Random([97], seed: 3))
                    .Node("LayerNormalization", ["x", "s", "b"], ["y"], OnnxAttr.Int("axis", -1))
                    .Output("y", DataType.Float32), Inputs(("x", TestTensors.Random([3, 67, 97], seed: 1))), 1e-4);
            case "transpose":
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 5, 37, 101)
                    .Node("Transpose", ["x"], ["y"], OnnxAttr.Ints("perm", 2, 0, 1))
                    .Output("y", DataType.Float32), Inputs(("x", TestTensors.Random([5, 37, 101], seed: 1))), 0);
            case "independent-products":
                // Three products of one input that do not depend on each other (attention's Q, K, V): no barrier
                // between them (BarrierPlan), one before the Add that reads all three.
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 37, 29)
                    .Initializer("q", TestTensors.Random([29, 45], seed: 2))
                    .Initializer("k", TestTensors.Random([29, 45], seed: 3))
                    .Initializer("v", TestTensors.Random([29, 45], seed: 4))
                    .Node("MatMul", ["x", "q"], ["a"])
                    .Node("MatMul", ["x", "k"], ["b"])
                    .Node("MatMul", ["x", "v"], ["c"])
                    .Node("Add", ["a", "b"], ["ab"])
                    .Node("Add", ["ab", "c"], ["y"])
                    .Output("y", DataType.Float32), Inputs(("x", TestTensors.Random([37, 29], seed: 1))), 1e-4);
            case "conv-transpose":
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 2, 8, 13, 11)
                    .Initializer("w", TestTensors.Random([8, 5, 3, 3], seed: 2))
                    .Initializer("b", TestTensors.Random([5], seed: 3))
                    .Node("ConvTranspose", ["x", "w", "b"], ["y"], OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 1, 1, 1))
                    .Output("y", DataType.Float32), image, 1e-4);
            case "int8-conv":
                // Two images (the packing scratch is reused: a barrier between them), rows that are not whole tiles.
                return (WasmGraph.Backends.LlvmWasm.Tests.Kernels.QuantizedGemmKernelTests.QLinearConv([2, 16, 13, 11], 24, 3, 1, 1, 1, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 5),
                        Inputs(("x", QuantizedModels.Bytes(DataType.UInt8, [2, 16, 13, 11], 6))), 0);
            case "int8-conv-one-image":
                // One image, as a deployed int8 model runs: its phases claim their work (Threading.ClaimedFor).
                return (WasmGraph.Backends.LlvmWasm.Tests.Kernels.QuantizedGemmKernelTests.QLinearConv([1, 16, 13, 11], 24, 3, 1, 1, 1, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 5),
                        Inputs(("x", QuantizedModels.Bytes(DataType.UInt8, [1, 16, 13, 11], 6))), 0);
            case "int8-depthwise-conv-one-image":
                return (WasmGraph.Backends.LlvmWasm.Tests.Kernels.QuantizedGemmKernelTests.QLinearConv([1, 12, 10, 9], 12, 3, 1, 1, 12, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 7),
                        Inputs(("x", QuantizedModels.Bytes(DataType.UInt8, [1, 12, 10, 9], 8))), 0);
            case "int8-depthwise-conv":
                return (WasmGraph.Backends.LlvmWasm.Tests.Kernels.QuantizedGemmKernelTests.QLinearConv([2, 12, 10, 9], 12, 3, 1, 1, 12, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 7),
                        Inputs(("x", QuantizedModels.Bytes(DataType.UInt8, [2, 12, 10, 9], 8))), 0);
            case "int8-matmul":
                return (WasmGraph.Backends.LlvmWasm.Tests.Kernels.QuantizedGemmKernelTests.QLinearMatMul([37, 64], 45, DataType.UInt8, DataType.Int8, perColumn: true, seed: 2),
                        Inputs(("a", QuantizedModels.Bytes(DataType.UInt8, [37, 64], 9))), 0);
            case "quantize-linear":
                // 3·97·101 elements (above WorkSplit.MinSplitElements, not a multiple of 4): vectors and the tail split.
                return (new OnnxModelBuilder().Opset(13)
                    .Input("x", DataType.Float32, 3, 97, 101)
                    .Initializer("s", TensorData.FromFloats(new Shape(), [0.013f]))
                    .Initializer("z", QuantizedModels.Scalar(DataType.UInt8, 121))
                    .Node("QuantizeLinear", ["x", "s", "z"], ["y"])
                    .Output("y", DataType.UInt8), Inputs(("x", TestTensors.Random([3, 97, 101], seed: 1))), 0);
            default:
                throw new ArgumentOutOfRangeException(nameof(kernel), kernel, null);
        }
    }
}
