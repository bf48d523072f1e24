using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;
using WasmGraph.Backends.LlvmWasm.Kernels;

namespace WasmGraph.Backends.LlvmWasm;

/// <summary>
/// Lowers the IR through LLVM to one self-contained wasm32 module (see docs/abi.md): kernels specialised to static
/// shapes, weights in data segments, no imports, metadata in a custom section. An op with no kernel generator here but
/// a <see cref="OpDefinition.Decomposition"/> in the registry (an op a plugin added) runs as its decomposition.
/// </summary>
public sealed class LlvmWasmBackend : IBackend, INativeLibraryUser
{
    private readonly OpRegistry _registry;

    private static readonly IKernelGenerator[] Generators =
    [
        new BinaryKernel(), new UnaryKernel(), new BatchNormKernel(), new ConvKernel(), new BlockedConvKernel(), new BlockedLayoutKernel(), new WindowPoolKernel(),
        new GlobalAveragePoolKernel(), new GemmKernel(), new MatMulKernel(), new ReshapeKernel(), new TransposeKernel(),
        new ConcatKernel(), new SplitKernel(), new SoftmaxKernel(),
        new UnaryMathKernel(), new BroadcastKernel(), new GatherKernel(), new StridedCopyKernel(), new MappedCopyKernel(), new CastKernel(), new ReduceKernel(), new ArgReduceKernel(), new LayerNormKernel(), new ResizeKernel(), new ConvTransposeKernel(), new FusedElementwiseKernel(), new TriluKernel(),
        new GatherElementsKernel(), new ScatterElementsKernel(), new CumSumKernel(), new HardmaxKernel(), new NllLossKernel(),
        new OneHotKernel(), new TopKKernel(), new ReverseSequenceKernel(), new InstanceNormKernel(), new LrnKernel(), new GatherNdKernel(), new ScatterNdKernel(), new EinsumKernel(), new QuantizeLinearKernel(), new DynamicQuantizeLinearKernel(), new QuantizedGemmKernel(),
        new GridSampleKernel(), new TfIdfVectorizerKernel(), new MaxUnpoolKernel(), new DeterminantKernel(), new DftKernel(), new StftKernel(), new RoiAlignKernel(),
        new NonZeroKernel(), new NonMaxSuppressionKernel(), new UniqueKernel(), new CheckParameterKernel(),
    ];

    private readonly FrozenDictionary<string, IKernelGenerator> _byOp;

    /// <summary>A backend for the standard op set.</summary>
    public LlvmWasmBackend() : this(OpRegistry.Default) { }

    /// <summary>A backend for <paramref name="registry"/> (the host's, through DI), so the ops plugins added run as their decompositions.</summary>
    public LlvmWasmBackend(OpRegistry registry) : this(registry, []) { }

    /// <summary>
    /// The standard generators with <paramref name="substitutes"/> taking over their ops: tests reach code no model
    /// does this way, such as the elementwise table's vector path of every op.
    /// </summary>
    internal LlvmWasmBackend(OpRegistry registry, IEnumerable<IKernelGenerator> substitutes)
    {
        _registry = registry;
        var byOp = Generators.SelectMany(g => g.Ops.Select(op => (op, g))).ToDictionary(p => p.op, p => p.g, StringComparer.Ordinal);
        foreach (var generator in substitutes)
        {
            foreach (var op in generator.Ops)
            {
                byOp[op] = generator;
            }
        }
        _byOp = byOp.ToFrozenDictionary(StringComparer.Ordinal);
        SupportedOps = _byOp.Keys.Concat(registry.All.Where(o => o.Decomposition is not null).Select(o => o.Name)).ToFrozenSet(StringComparer.Ordinal);
    }

    public string Name => "llvm-wasm";

    public string Description => "LLVM 19 → wasm32 (relaxed-SIMD, SIMD128 or scalar: --target) → wasm-ld: one self-contained module";

    /// <summary>The LLVM this process loaded, asked through its C API (for <c>wasmgraph --version</c>).</summary>
    public IReadOnlyList<NativeLibraryVersion> NativeLibraries => [new("LLVM", LlvmLibrary.Version(), "LLVMGetVersion")];

    public IReadOnlySet<string> SupportedOps { get; }

    private bool HasKernel(string op) => _byOp.ContainsKey(op);

    public bool IsOpSupported(Node node, Graph graph, out string? reason)
    {
        reason = RunTimeExtentProblem(node, graph);
        if (reason is not null)
        {
            return false;
        }
        if (Decompositions.Needs(node, _registry, HasKernel))
        {
            var (parts, expanded) = Decompositions.ExpandNode(node, graph, _registry, HasKernel);
            foreach (var part in parts)
            {
                if (!IsOpSupported(part, expanded, out var partReason))
                {
                    reason = $"its decomposition's {part.Op} cannot be lowered: {partReason}";
                    return false;
                }
            }
            reason = null;
            return true;
        }
        if (!_byOp.TryGetValue(node.Op, out var generator))
        {
            reason = "no kernel generator for this op";
            return false;
        }
        var unlowered = node.Inputs.Where(i => i.Length > 0).Concat(node.Outputs)
                            .Select(v => (DataType?)graph.TypeOf(v).ElementType).FirstOrDefault(t => !generator.ElementTypes.Contains(t!.Value));
        reason = unlowered is { } type ? $"{type.Name()} tensors are not lowered for {node.Op}"
               : StrayActivation(node) ?? generator.CheckSupported(node, graph);
        return reason is null;
    }

    /// <summary>
    /// Why a node that reduces or contracts along the run-time extent (<see cref="RunTimeExtentAnalysis.Check"/>)
    /// cannot be lowered: its generator must stop its loops there (<see cref="IKernelGenerator.FollowsRunTimeExtent"/>),
    /// and a decomposed op would lose the annotation. Null when it can, or when nothing of the node follows an extent.
    /// </summary>
    private string? RunTimeExtentProblem(Node node, Graph graph)
    {
        if (graph.Extent is not { } extent || !node.Inputs.Concat(node.Outputs).Any(v => v.Length > 0 && extent.Follows(v)))
        {
            return null;
        }
        string pin = "--input-shape with a fixed length";
        ExtentNeed need;
        string? why;
        try
        {
            (need, why) = RunTimeExtentAnalysis.Check(node, graph, _registry, pin);
        }
        catch (ModelException e)
        {
            return e.Message;
        }
        if (Decompositions.Needs(node, _registry, HasKernel))
        {
            return $"it is decomposed into other ops, which cannot follow the run-time extent {extent.Range}; pin the length with {pin}";
        }
        return need == ExtentNeed.Kernel && !(_byOp.TryGetValue(node.Op, out var generator) && generator.FollowsRunTimeExtent(node, graph))
            ? $"its kernel cannot stop at the run-time extent {extent.Range} ({why}); pin the length with {pin}"
            : null;
    }

    /// <summary>
    /// Only an op that is its own fused form (FusedConv, FusedGemm, FusedMatMul, ConvBlocked) carries an activation for
    /// its epilogue: on any other op the attribute would be ignored, so it is refused here, once for every kernel.
    /// </summary>
    private string? StrayActivation(Node node)
        => !node.Attributes.Has(FusedOps.Activation) || _registry.Find(node.Op)?.FusedForm == node.Op
            ? null
            : $"{node.Op} takes no fused activation (only FusedConv, FusedGemm, FusedMatMul and ConvBlocked do); an activation after an elementwise op is a FusedElementwise chain";

    /// <summary>
    /// Refuses a feature string LLVM would ignore or abort on (see <see cref="WasmFeatures"/>), an unknown conv
    /// algorithm, a tuning log whose entries for this target do not make sense (see <see cref="ConvTuning"/>), and a
    /// machine without LLVM 19 or wasm-ld-19 (<see cref="Toolchain"/>).
    /// </summary>
    public void CheckOptions(BackendOptions options)
    {
        WasmFeatures.Parse(options.Features);
        ConvAlgorithms.Parse(options.ConvAlgorithm);
        ConvTuning.Choices(options.Tuning, TuningTarget(options));
        ThreadedModule.Check(options);
        Toolchain.Require();
    }

    /// <summary>Tuning log entries apply to the features they were measured with: the sorted feature string.</summary>
    public string TuningTarget(BackendOptions options) => ConvTuning.Target(options.Features);

    /// <summary>The distinct 2-D convolution shapes where more than one algorithm fits (see <see cref="ConvTuning"/>).</summary>
    public IReadOnlyList<TuningWorkload> TuningWorkloads(Graph graph, BackendOptions options) => ConvTuning.Workloads(graph, options);

    /// <summary>
    /// The generators of one compile: Conv's (plain and fused) carries the algorithm <c>Pipeline:Backend:ConvAlgorithm</c>
    /// forces and the tuning log's choices for this target.
    /// </summary>
    private IReadOnlyDictionary<string, IKernelGenerator> KernelsFor(BackendOptions options)
    {
        var forced = ConvAlgorithms.Parse(options.ConvAlgorithm);
        var tuned = ConvTuning.Choices(options.Tuning, TuningTarget(options));
        if (forced is null && tuned.Count == 0)
        {
            return _byOp;
        }
        var conv = new ConvKernel(forced, tuned);
        var kernels = new Dictionary<string, IKernelGenerator>(_byOp, StringComparer.Ordinal);
        foreach (var op in conv.Ops)
        {
            kernels[op] = conv;
        }
        return kernels;
    }

    public Artifact Compile(Graph graph, BackendOptions options)
    {
        var features = WasmFeatures.Parse(options.Features);
        var kernels = KernelsFor(options);
        BoundedOutputs.ThrowIfConsumed(graph); // kernels take static shapes: a bounded value can only leave the module
        foreach (var node in graph.Nodes)
        {
            if (!IsOpSupported(node, graph, out var reason))
            {
                throw new UnsupportedOpException(node.Op, graph.OpsetOf(), node.Name, graph.SourceOf(), reason);
            }
        }
        // From here on every node has a kernel generator; the expanded graph is planned again (see ArenaLayout).
        // No node that follows a run-time extent is decomposed (IsOpSupported), so the new values are all static.
        graph = Decompositions.Expand(graph, _registry, HasKernel) with { Extent = graph.Extent };
        var timings = ImmutableDictionary.CreateBuilder<string, double>();
        var clock = Stopwatch.StartNew();
        void Lap(string step, double fraction)
        {
            timings[step] = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            options.Cancellation.ThrowIfCancellationRequested();
            options.Progress?.Report((step, fraction));
        }

        // The module's data must fit what wasm-ld can lay out (2 GiB), checked before LLVM starts (see LinearMemory).
        LinearMemory.ThrowIfAnyValueTooLarge(graph);
        var layout = ArenaLayout.Create(graph, i => kernels[graph.Nodes[i].Op].ScratchBytes(graph.Nodes[i], graph));
        var threads = ThreadedModule.For(options, features);
        if (threads is not null && graph.Extent is not null)
        {
            // Not yet built: the run-time-extent loops (PackedGemm's data rows, elementwise prefixes) are not split over
            // workers, and no test covers the two together. Refused rather than run untested.
            throw new ModelException("--threads cannot be combined with a run-time range (--input-shape NAME=…lo..hi) in this version: " +
                                     "compile the ranged module without --threads, or pin the length to use threads", file: graph.SourceOf());
        }
        long kernelState = graph.Nodes.Sum(n => kernels[n.Op].StaticBytes(n, graph)) + (threads?.StaticBytes ?? 0);
        LinearMemory.ThrowIfTooLarge(graph, layout, kernelState);

        LlvmFatalErrors.Install();
        var model = $"model '{graph.Name}' (features '{features.ForLlvm}')";
        using var link = new LinkDirectory();
        IReadOnlyList<long>? granularity = null;
        using (var context = new LlvmContext())
        using (var module = new LlvmModule(context, graph.Name))
        using (var builder = new LlvmBuilder(context))
        using (var machine = new WasmTargetMachine(threads?.LlvmFeatures ?? features.ForLlvm, options.OptLevel))
        {
            machine.Configure(module);
            // relaxed_madd only where the target has it (LLVM cannot select it otherwise) and bit-reproducibility was not asked for.
            var emitter = new Emitter(context, module, builder, relaxedMadd: features.RelaxedSimd && !options.Deterministic) { Simd128 = features.Simd128 };
            emitter.Threads = threads?.CreateRuntime(emitter);
            if (emitter.Threads is { } runtime)
            {
                runtime.Accesses = BarrierPlan.Accesses(graph, layout, i => kernels[graph.Nodes[i].Op].ScratchBytes(graph.Nodes[i], graph));
            }
            LlvmFatalErrors.Step($"generating the kernels of {model}");
            new ModuleGenerator(emitter, graph, kernels)
                .Generate(layout, i => options.Progress?.Report(($"kernel {i + 1}/{graph.Nodes.Length}", 0.3 * (i + 1) / Math.Max(1, graph.Nodes.Length))));
            granularity = emitter.Threads?.Granularity;
            if (!features.BulkMemory && threads is null) // a threaded module has bulk memory (ThreadedModule)
            {
                MemoryFunctions.Define(emitter);
            }
            if (module.Verify() is { } problem)
            {
                throw new InvalidOperationException($"generated LLVM IR is invalid: {problem}");
            }
            Lap("codegen", 0.3);
            LlvmFatalErrors.Step($"optimising {model}");
            machine.Optimize(module);
            Lap("llvm-opt", 0.7);
            if (Environment.GetEnvironmentVariable("WASMGRAPH_DUMP_LLVM") is { Length: > 0 } dumpPath)
            {
                File.WriteAllText(dumpPath, module.Print()); // optimised IR, for reading what the kernels became
            }
            LlvmFatalErrors.Step($"emitting wasm code for {model}");
            machine.EmitObject(module, link.ObjectPath);
            Lap("llvm-emit", 0.85);
        }
        byte[] linked;
        try
        {
            linked = threads is null
                ? WasmLinker.Link(link, ModuleGenerator.ExportsFor(graph), stackBytes: LinearMemory.StackBytes, options.Cancellation)
                : threads.Link(link, graph, layout, kernelState, options.Cancellation);
        }
        catch (LinkerMemoryException e)
        {
            throw LinearMemory.LinkerRefusal(graph, layout, e.Message);
        }
        Lap("wasm-ld", 0.95);
        var metadata = ModelMetadata.For(graph) with
        {
            ArenaBytes = layout.ArenaBytes,
            ScratchBytes = layout.ScratchBytes,
            Target = TargetProfiles.Matching(features.ForLlvm)?.Name ?? TargetProfiles.CustomName,
            Features = features.ForLlvm,
            Kernels = graph.Nodes.Select((n, i) => Describe(n, graph, kernels[n.Op]) with { Split = granularity?[i] }).ToImmutableArray(),
            Threads = threads?.MaxWorkers,
            SharedMemory = threads?.Memory,
        };
        var bytes = WasmCustomSection.Append(linked, ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(metadata.ToJson()));
        Lap("metadata", 1.0);
        return new Artifact(bytes, metadata, "wasm") { TimingsMs = timings.ToImmutable() };
    }

    /// <summary>A kernel's metadata entry: its work and, where its generator has more than one algorithm, which one ran.</summary>
    private static KernelInfo Describe(Node node, Graph graph, IKernelGenerator generator)
    {
        var choice = generator.Choice(node, graph);
        return new KernelInfo(node.Name, node.Op, KernelCost.Flops(node, graph)) { Algorithm = choice?.Algorithm, ChosenBy = choice?.ChosenBy };
    }
}

/// <summary>Registers the backend with the host.</summary>
public sealed class LlvmWasmBackendPlugin : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration)
        => services.AddSingleton<IBackend, LlvmWasmBackend>();
}
