using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Einsum as one loop nest: the output letters are the outer loops (each operand's offset advances by the sum of
/// its strides over the axes named by the letter, which also walks diagonals), the summed letters are folds inside.
/// A direct nest, not a rewrite to MatMul: Einsum is rare in the target models, and one kernel covers every form.
/// </summary>
internal sealed class EinsumKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Einsum"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Outputs[0]).ElementType;
        return AxisKernels.IsNumeric(type) ? null : $"{type.Name()} Einsum is not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var type = k.OutputType(0).ElementType;
        var (terms, output) = StandardOps.ParseEinsum(k.Attributes.GetString("equation", ""));
        var shapes = Enumerable.Range(0, terms.Length).Select(i => k.InputType(i).Shape).ToList();
        var extents = StandardOps.EinsumExtents(terms, shapes);
        var summed = extents.Keys.Where(l => !output.Contains(l)).Order().ToArray();
        long Stride(int operand, char letter)
        {
            var strides = shapes[operand].Strides();
            return Enumerable.Range(0, terms[operand].Length).Where(d => terms[operand][d] == letter).Sum(d => strides[d]);
        }
        var outerStrides = Enumerable.Range(0, terms.Length).Select(t => output.Select(l => Stride(t, l)).ToArray()).ToList();

        LValue Contract(int level, LValue[] offsets, LValue acc)
        {
            if (level == summed.Length)
            {
                var product = Scalars.Load(e, type, k.Input(0), offsets[0]);
                for (int t = 1; t < offsets.Length; t++)
                {
                    product = AxisKernels.Combine(e, type, "mul", product, Scalars.Load(e, type, k.Input(t), offsets[t]));
                }
                return AxisKernels.Combine(e, type, "add", acc, product);
            }
            char letter = summed[level];
            return e.Fold(0, extents[letter], 1, acc, (i, carried) =>
                Contract(level + 1, offsets.Select((o, t) => e.Add(o, e.Mul(i, Stride(t, letter)))).ToArray(), carried));
        }

        e.ForEachIndex(output.Select(l => extents[l]).ToArray(), outerStrides, (linear, offsets) =>
            Scalars.Store(e, type, Contract(0, offsets, Scalars.Constant(e, type, 0)), k.Output(0), linear));
    }
}
