using System.Security.Cryptography;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// Turns a scheduled graph into one LLVM module: an arena global sized by the arena layout, one constant global per
/// weight tensor (becoming data segments), one internal function per node (its kernel, with noalias pointer
/// parameters), <c>wg_run</c> calling them in order, and the ABI's address and version exports. Each graph output also
/// gets its dims in one i32 table (<c>wg_output_dims</c>): the static shape, which the kernel of a bounded output
/// overwrites with the actual extents on every run.
/// <para>
/// In a module with a run-time extent, every kernel that touches a value following it is generated twice: once reading
/// the extent (its loops stop at the data), and once with the extent as the compile-time bound, which is exactly the
/// static module's code. <c>wg_run</c> checks the extent once and runs the second set when it equals the bound, so a
/// full-length run costs what the static module costs (loops with run-time trip counts are not unrolled or
/// specialised by LLVM: MiniLM at 128 tokens took 1.42× the static module without this, docs/performance.md
/// "Bounded dynamic lengths"). Weights, the arena and the memory plan are shared; only code is duplicated.
/// </para>
/// </summary>
internal sealed class ModuleGenerator
{
    private readonly Graph _graph;
    private readonly IReadOnlyDictionary<string, IKernelGenerator> _kernels;
    private readonly Emitter _e;
    private readonly Dictionary<string, LValue> _pointers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LValue> _outputDims = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LValue> _inputDims = new(StringComparer.Ordinal);
    private LValue? _extent;
    private readonly Dictionary<string, LValue> _constants = new(StringComparer.Ordinal); // by SHA-256 of the bytes
    private int _constantCount;

    public ModuleGenerator(Emitter emitter, Graph graph, IReadOnlyDictionary<string, IKernelGenerator> kernels)
    {
        _e = emitter;
        _graph = graph;
        _kernels = kernels;
    }

    /// <summary>
    /// The names the linker keeps exported: every function of <see cref="ModuleAbi"/>, <c>wg_input_dims</c> only in a
    /// module with a run-time extent (a static module stays what it was).
    /// </summary>
    public static IEnumerable<string> ExportsFor(Graph graph)
        => ModuleAbi.Functions.Where(f => f != ModuleAbi.InputDims || graph.Extent is not null).Select(f => f.Name);

    /// <summary>The names a threaded module's linker keeps exported: <see cref="ExportsFor"/> and the threaded ones.</summary>
    public static IEnumerable<string> ThreadedExports(Graph graph) => ExportsFor(graph).Concat(ModuleAbi.ThreadedFunctions.Select(f => f.Name));

    /// <summary>Emits the module for <paramref name="layout"/> (made by the backend before LLVM starts, to check its size first).</summary>
    public void Generate(ArenaLayout layout, Action<int>? onNode = null)
    {
        var ctx = _e.Ctx;
        var arena = _e.Module.AddGlobal("wg_arena", ctx.Array(ctx.I8, layout.ArenaBytes), ctx.Null(ctx.Array(ctx.I8, layout.ArenaBytes)),
                                        isConstant: false, Linkage.Internal, layout.Values.Alignment);
        foreach (var (name, slot) in layout.Values.Slots)
        {
            _pointers[name] = ctx.ConstByteOffset(arena, slot.Offset);
        }
        var usedConstants = _graph.Nodes.SelectMany(RuntimeInputs).Concat(_graph.Outputs)
                                  .Where(_graph.IsConstant).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
        foreach (var name in usedConstants)
        {
            _pointers[name] = AddConstant(_graph.Constants[name].Bytes.ToArray());
        }

        AddOutputDims();
        if (_graph.Extent is { } bounded)
        {
            _extent = _e.Module.AddGlobal("wg_extent", ctx.I32, ctx.Int(ctx.I32, bounded.Bound), isConstant: false, Linkage.Internal, 4);
            AddInputDims();
        }

        _e.Threads?.Declare();
        var kernelFunctions = new List<(LValue Function, LType Type, LValue[] Args)>();
        var atBound = new List<(LValue Function, LType Type, LValue[] Args)>(); // the kernels wg_run calls when the extent is the bound
        var splits = new List<bool>();
        for (int i = 0; i < _graph.Nodes.Length; i++)
        {
            kernelFunctions.Add(EmitNode(i, layout, arena, _extent));
            splits.Add(_e.Threads?.KernelSplits ?? false);
            atBound.Add(FollowsExtent(_graph.Nodes[i]) ? EmitNode(i, layout, arena, extentGlobal: null) : kernelFunctions[^1]);
            onNode?.Invoke(i);
        }

        if (_e.Threads is { } threads)
        {
            threads.EmitRunner(kernelFunctions, splits, AddExport);
            EmitCommonExports(kernelFunctions, kernelFunctions); // a threaded module has no run-time extent (LlvmWasmBackend refuses both)
            return;
        }
        var run = AddExport(ModuleAbi.Run);
        _e.BeginFunction(run);
        if (_graph.Extent is { } extent)
        {
            RunTimeExtentCheck.Emit(_e, _graph, extent, run, _inputDims, _outputDims, _extent!.Value);
            var full = _e.B.AppendBlock(run, "at_bound");
            var ranged = _e.B.AppendBlock(run, "ranged");
            _e.B.CondBr(AtBound(), full, ranged);
            _e.B.PositionAtEnd(full);
            CallAll(atBound);
            _e.B.PositionAtEnd(ranged);
        }
        CallAll(kernelFunctions);
        EmitCommonExports(kernelFunctions, atBound);
    }

    /// <summary>Calls every kernel in order and returns 0 from <c>wg_run</c>.</summary>
    private void CallAll(List<(LValue Function, LType Type, LValue[] Args)> kernels)
    {
        foreach (var (function, type, args) in kernels)
        {
            _e.B.Call(type, function, args);
        }
        // A graph output that no node produces (an input or a constant passed straight through) needs no copy:
        // wg_output_ptr simply points at the input buffer or the constant's data segment.
        _e.B.Ret(_e.I(0));
    }

    /// <summary>Whether the run-time extent (set by <c>wg_run</c>'s check) is the bound: an i1.</summary>
    private LValue AtBound()
        => _e.B.ICmp(IntPredicate.Eq, _e.B.Load(_e.Ctx.I32, _extent!.Value, 4), _e.I(_graph.Extent!.Bound));

    /// <summary>Whether any value the node reads or writes follows the run-time extent (its code depends on it).</summary>
    private bool FollowsExtent(Node node)
        => _extent is not null && node.Inputs.Concat(node.Outputs).Any(v => v.Length > 0 && _graph.Extent!.Follows(v));

    /// <summary>The exports every module has beside its run entry points.</summary>
    private void EmitCommonExports(List<(LValue Function, LType Type, LValue[] Args)> kernelFunctions,
                                   List<(LValue Function, LType Type, LValue[] Args)> atBound)
    {
        EmitKernelExports(kernelFunctions, atBound);
        EmitAddressTable(ModuleAbi.InputPtr, _graph.Inputs.Select(i => _pointers[i]).ToList());
        EmitAddressTable(ModuleAbi.OutputPtr, _graph.Outputs.Select(o => _pointers[o]).ToList());
        EmitAddressTable(ModuleAbi.OutputDims, _graph.Outputs.Select(o => _outputDims[o]).ToList());
        if (_graph.Extent is not null)
        {
            EmitAddressTable(ModuleAbi.InputDims, _graph.Inputs.Select(i => _inputDims[i]).ToList());
        }
        var version = AddExport(ModuleAbi.AbiVersion);
        _e.BeginFunction(version);
        _e.B.Ret(_e.I(ModuleAbi.Version));
    }

    /// <summary>Declares the external function for <paramref name="abi"/>, its LLVM type built from the ABI's signature.</summary>
    private LValue AddExport(AbiFunction abi)
    {
        var ctx = _e.Ctx;
        LType Type(AbiValueType type) => type switch
        {
            AbiValueType.I32 => ctx.I32,
            _ => throw new InvalidOperationException($"the ABI type {type} has no LLVM lowering"),
        };
        if (abi.Results.Length != 1)
        {
            throw new InvalidOperationException($"ABI export {abi.Name} must return exactly one value");
        }
        return _e.Module.AddFunction(abi.Name, ctx.Function(Type(abi.Results[0]), abi.Parameters.Select(Type).ToArray()), Linkage.External);
    }

    private IKernelGenerator Kernel(Node node) => _kernels[node.Op];

    /// <summary>The node's inputs that the kernel reads at run time (present, and not consumed at compile time).</summary>
    private IEnumerable<string> RuntimeInputs(Node node)
    {
        var compileTime = Kernel(node).CompileTimeInputs(node, _graph);
        return node.Inputs.Where((name, i) => name.Length > 0 && !compileTime.Contains(i));
    }

    /// <summary>
    /// One mutable i32 table holding the dims of every distinct graph output, initialised to its static shape (the
    /// bound, for a bounded output); <see cref="_outputDims"/> points at each output's entries.
    /// </summary>
    private void AddOutputDims()
    {
        var ctx = _e.Ctx;
        var values = new List<LValue>();
        var offsets = new List<(string Name, long Offset)>();
        foreach (var output in _graph.Outputs.Distinct(StringComparer.Ordinal))
        {
            offsets.Add((output, 4L * values.Count));
            values.AddRange(_graph.TypeOf(output).Shape.Dims.Select(d => ctx.Int(ctx.I32, d)));
        }
        if (values.Count == 0)
        {
            values.Add(ctx.Int(ctx.I32, 0)); // scalars only: keep the table a real object
        }
        var table = _e.Module.AddGlobal("wg_output_dims_data", ctx.Array(ctx.I32, values.Count), ctx.ConstArray(ctx.I32, values),
                                        isConstant: false, Linkage.Internal, 4);
        foreach (var (name, offset) in offsets)
        {
            _outputDims[name] = ctx.ConstByteOffset(table, offset);
        }
    }

    /// <summary>The dims of every graph input in one mutable i32 table (<c>wg_input_dims</c>), initialised to the bound shapes.</summary>
    private void AddInputDims()
    {
        var ctx = _e.Ctx;
        var values = new List<LValue>();
        var offsets = new List<(string Name, long Offset)>();
        foreach (var input in _graph.Inputs)
        {
            offsets.Add((input, 4L * values.Count));
            values.AddRange(_graph.TypeOf(input).Shape.Dims.Select(d => ctx.Int(ctx.I32, d)));
        }
        values.Add(ctx.Int(ctx.I32, 0)); // keeps the table a real object when every input is a scalar
        var table = _e.Module.AddGlobal("wg_input_dims_data", ctx.Array(ctx.I32, values.Count), ctx.ConstArray(ctx.I32, values),
                                        isConstant: false, Linkage.Internal, 4);
        foreach (var (name, offset) in offsets)
        {
            _inputDims[name] = ctx.ConstByteOffset(table, offset);
        }
    }

    /// <summary>
    /// A read-only global holding <paramref name="bytes"/>, one per distinct content: a kernel generated twice (the
    /// ranged copy and the copy at the bound) or two kernels packing the same weights share one, so a run-time extent
    /// never doubles a module's weights.
    /// </summary>
    private LValue AddConstant(byte[] bytes)
    {
        string key = Convert.ToHexString(SHA256.HashData(bytes));
        if (_constants.TryGetValue(key, out var existing))
        {
            return existing;
        }
        var ctx = _e.Ctx;
        var init = ctx.Bytes(bytes);
        var global = _e.Module.AddGlobal($"wg_const_{_constantCount++}", ctx.Array(ctx.I8, bytes.Length), init, isConstant: true, Linkage.Internal, 16);
        _constants[key] = global;
        return global;
    }

    /// <param name="extentGlobal">The module's <c>wg_extent</c> for the kernel that follows it; null for a static module's kernel and for the copy run at the bound.</param>
    private (LValue, LType, LValue[]) EmitNode(int index, ArenaLayout layout, LValue arena, LValue? extentGlobal)
    {
        var ctx = _e.Ctx;
        var node = _graph.Nodes[index];
        var inputs = RuntimeInputs(node).ToList();
        var compileTime = Kernel(node).CompileTimeInputs(node, _graph);
        bool hasScratch = layout.ScratchOffsets.ContainsKey(index);
        int parameterCount = inputs.Count + node.Outputs.Length + (hasScratch ? 1 : 0);
        var parameterTypes = Enumerable.Repeat(ctx.Ptr, parameterCount);
        var type = ctx.Function(ctx.Void, _e.Threads is null ? parameterTypes.ToArray() : [.. parameterTypes, ctx.I32, ctx.I32]); // + worker, workers
        string name = $"k{index}_{Sanitize(node.Op)}" + (extentGlobal is null && _extent is not null ? "_at_bound" : "");
        var function = _e.Module.AddFunction(name, type, Linkage.Internal);
        for (uint p = 1; p <= parameterCount; p++)
        {
            _e.Module.AddAttribute(function, p, "noalias");
            _e.Module.AddAttribute(function, p, "nocapture");
        }
        _e.BeginFunction(function);
        _e.Threads?.BeginKernel(function, parameterCount + 2);
        int next = 0;
        var inputParams = node.Inputs.Select((name, i) => name.Length > 0 && !compileTime.Contains(i) ? (LValue?)function.Parameter(next++) : null).ToList();
        var outputParams = node.Outputs.Select(_ => function.Parameter(next++)).ToList();
        LValue? scratch = hasScratch ? function.Parameter(next++) : null;

        var context = new KernelContext(_e, node, _graph, inputParams, outputParams, scratch,
                                        bytes => AddConstant(bytes.ToArray()), value => _outputDims.GetValueOrDefault(value)) { ExtentGlobal = extentGlobal };
        Kernel(node).Emit(context);
        _e.B.RetVoid();

        var args = inputs.Select(i => _pointers[i])
                         .Concat(node.Outputs.Select(o => _pointers[o]))
                         .Concat(hasScratch ? [ctx.ConstByteOffset(arena, layout.ScratchOffsets[index])] : [])
                         .ToArray();
        return (function, type, args);
    }

    /// <summary>
    /// The optional profiling exports (docs/abi.md): <c>wg_kernel_count()</c> and <c>wg_run_kernel(i)</c>, which runs
    /// kernel i alone, so a host can time each kernel of a model by calling them in order. Kernel i is the copy
    /// <c>wg_run</c> last ran: the one for the bound when the extent is the bound.
    /// </summary>
    private void EmitKernelExports(List<(LValue Function, LType Type, LValue[] Args)> kernels, List<(LValue Function, LType Type, LValue[] Args)> atBound)
    {
        var ctx = _e.Ctx;
        var count = AddExport(ModuleAbi.KernelCount);
        _e.BeginFunction(count);
        _e.B.Ret(_e.I(kernels.Count));

        var run = AddExport(ModuleAbi.RunKernel);
        _e.BeginFunction(run);
        var missing = _e.B.AppendBlock(run, "missing");
        var dispatch = _e.B.Switch(run.Parameter(0), missing, kernels.Count);
        for (int i = 0; i < kernels.Count; i++)
        {
            var block = _e.B.AppendBlock(run, "kernel");
            _e.B.AddCase(dispatch, _e.I(i), block);
            _e.B.PositionAtEnd(block);
            if (atBound[i].Function != kernels[i].Function)
            {
                var full = _e.B.AppendBlock(run, "kernel_at_bound");
                var ranged = _e.B.AppendBlock(run, "kernel_ranged");
                _e.B.CondBr(AtBound(), full, ranged);
                _e.B.PositionAtEnd(full);
                _e.B.Call(atBound[i].Type, atBound[i].Function, atBound[i].Args);
                _e.B.Ret(_e.I(0));
                _e.B.PositionAtEnd(ranged);
            }
            _e.B.Call(kernels[i].Type, kernels[i].Function, _e.Threads is null ? kernels[i].Args : [.. kernels[i].Args, _e.I(0), _e.I(1)]);
            _e.B.Ret(_e.I(0));
        }
        _e.B.PositionAtEnd(missing);
        _e.B.Ret(_e.I(-1));
    }

    /// <summary>(i32 index) -> i32 address, or -1 when out of range.</summary>
    private void EmitAddressTable(AbiFunction abi, IReadOnlyList<LValue> pointers)
    {
        var ctx = _e.Ctx;
        var tableType = ctx.Array(ctx.Ptr, pointers.Count);
        var table = _e.Module.AddGlobal(abi.Name + "_table", tableType, ctx.ConstArray(ctx.Ptr, pointers), isConstant: true, Linkage.Internal, 4);
        var function = AddExport(abi);
        _e.BeginFunction(function);
        var index = function.Parameter(0);
        var inRange = _e.B.ICmp(IntPredicate.Ult, index, _e.I(pointers.Count));
        var found = _e.B.AppendBlock(function, "found");
        var missing = _e.B.AppendBlock(function, "missing");
        _e.B.CondBr(inRange, found, missing);
        _e.B.PositionAtEnd(found);
        var pointer = _e.B.Load(ctx.Ptr, _e.B.Gep(ctx.Ptr, table, index), 4);
        _e.B.Ret(_e.B.Cast(CastOp.PtrToInt, pointer, ctx.I32));
        _e.B.PositionAtEnd(missing);
        _e.B.Ret(_e.I(-1));
    }

    private static string Sanitize(string op) => new(op.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
}
