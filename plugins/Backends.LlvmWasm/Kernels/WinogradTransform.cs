using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The matrices of Winograd's minimal filtering algorithm F(m×m, 3×3) (Lavin &amp; Gray 2016): an α×α input tile d
/// (α = m + 2) and a 3×3 filter g give the m×m output tile Y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A. All three transforms are
/// emitted as sums of constant multiples (<see cref="Combine"/>): the input and output transforms on f32x4 values,
/// four tiles per vector (<see cref="Apply2d"/>), the filter transform on scalars (<see cref="FilterMatrix"/>), once
/// per module instance (<see cref="WinogradConvKernel"/>). The interpolation points are 0, ±1 (F(2,3)), then ±2
/// (F(4,3)), then ±½ (F(6,3)): the usual choices, whose rounding error grows with the largest coefficients
/// (docs/performance.md has the measured error of each variant).
/// </summary>
internal sealed class WinogradTransform
{
    private WinogradTransform(int m, double[,] bt, double[,] g, double[,] at)
    {
        M = m;
        BT = bt;
        G = g;
        AT = at;
    }

    /// <summary>Output tile size m.</summary>
    public int M { get; }

    /// <summary>Input tile size α = m + 2: α² multiplies per m² outputs.</summary>
    public int Alpha => M + 2;

    /// <summary>Bᵀ, α × α: the input transform.</summary>
    public double[,] BT { get; }

    /// <summary>G, α × 3: the filter transform.</summary>
    public double[,] G { get; }

    /// <summary>Aᵀ, m × α: the output transform.</summary>
    public double[,] AT { get; }

    private static readonly WinogradTransform F2 = new(2,
        new double[,] { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } },
        new double[,] { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } },
        new double[,] { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } });

    private static readonly WinogradTransform F4 = new(4,
        new double[,]
        {
            { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 },
            { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 },
        },
        new double[,]
        {
            { 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 }, { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
            { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 },
        },
        new double[,] { { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 2, -2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, -1, 8, -8, 1 } });

    private static readonly WinogradTransform F6 = new(6,
        new double[,]
        {
            { 1, 0, -21.0 / 4, 0, 21.0 / 4, 0, -1, 0 },
            { 0, 1, 1, -17.0 / 4, -17.0 / 4, 1, 1, 0 },
            { 0, -1, 1, 17.0 / 4, -17.0 / 4, -1, 1, 0 },
            { 0, 0.5, 0.25, -2.5, -1.25, 2, 1, 0 },
            { 0, -0.5, 0.25, 2.5, -1.25, -2, 1, 0 },
            { 0, 2, 4, -2.5, -5, 0.5, 1, 0 },
            { 0, -2, 4, 2.5, -5, -0.5, 1, 0 },
            { 0, -1, 0, 21.0 / 4, 0, -21.0 / 4, 0, 1 },
        },
        new double[,]
        {
            { 1, 0, 0 }, { -2.0 / 9, -2.0 / 9, -2.0 / 9 }, { -2.0 / 9, 2.0 / 9, -2.0 / 9 },
            { 1.0 / 90, 1.0 / 45, 2.0 / 45 }, { 1.0 / 90, -1.0 / 45, 2.0 / 45 },
            { 32.0 / 45, 16.0 / 45, 8.0 / 45 }, { 32.0 / 45, -16.0 / 45, 8.0 / 45 }, { 0, 0, 1 },
        },
        new double[,]
        {
            { 1, 1, 1, 1, 1, 1, 1, 0 },
            { 0, 1, -1, 2, -2, 0.5, -0.5, 0 },
            { 0, 1, 1, 4, 4, 0.25, 0.25, 0 },
            { 0, 1, -1, 8, -8, 0.125, -0.125, 0 },
            { 0, 1, 1, 16, 16, 1.0 / 16, 1.0 / 16, 0 },
            { 0, 1, -1, 32, -32, 1.0 / 32, -1.0 / 32, 1 },
        });

    public static WinogradTransform For(ConvAlgorithm algorithm) => algorithm switch
    {
        ConvAlgorithm.Winograd2 => F2,
        ConvAlgorithm.Winograd4 => F4,
        ConvAlgorithm.Winograd6 => F6,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not a Winograd algorithm"),
    };

    /// <summary>
    /// G·g·Gᵀ as one α² × 9 matrix K (in double): element ξ = (i, j) of a transformed filter is Σ_k K[ξ, k]·g[k]
    /// over the filter's 9 taps (row-major), with K[(i, j), (r, c)] = G[i, r]·G[j, c].
    /// </summary>
    public double[,] FilterMatrix()
    {
        int a = Alpha;
        var k = new double[a * a, 9];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < a; j++)
            {
                for (int tap = 0; tap < 9; tap++)
                {
                    k[i * a + j, tap] = G[i, tap / 3] * G[j, tap % 3];
                }
            }
        }
        return k;
    }

    /// <summary>
    /// T·X·Tᵀ on f32x4 values: <paramref name="x"/> is rows × rows (row-major), <paramref name="t"/> is
    /// out × rows, the result out × out. Used with Bᵀ for the input transform and Aᵀ for the output transform.
    /// </summary>
    public static LValue[] Apply2d(Emitter e, double[,] t, LValue[] x)
    {
        int outs = t.GetLength(0), rows = t.GetLength(1);
        var columns = new LValue[outs * rows];
        for (int i = 0; i < outs; i++)
        {
            for (int j = 0; j < rows; j++)
            {
                columns[i * rows + j] = Combine(e, t, i, r => x[r * rows + j]);
            }
        }
        var result = new LValue[outs * outs];
        for (int i = 0; i < outs; i++)
        {
            for (int l = 0; l < outs; l++)
            {
                result[i * outs + l] = Combine(e, t, l, j => columns[i * rows + j]);
            }
        }
        return result;
    }

    /// <summary>
    /// Σ_k t[row, k]·x(k), skipping zero coefficients; ±1 become adds and subtracts, others multiply-adds (plain mul
    /// and add under --deterministic, as <see cref="Emitter.MulAddF32x4"/> decides). A +1 term goes first when there is
    /// one, so no negation is needed.
    /// </summary>
    public static LValue Combine(Emitter e, double[,] t, int row, Func<int, LValue> x)
    {
        var terms = Enumerable.Range(0, t.GetLength(1)).Where(k => t[row, k] != 0).OrderBy(k => t[row, k] == 1 ? 0 : 1).ToList();
        LValue? sum = null;
        foreach (var k in terms)
        {
            double c = t[row, k];
            var value = x(k);
            sum = (sum, c) switch
            {
                (null, 1) => value,
                (null, -1) => e.B.FNeg(value),
                (null, _) => e.FMul(e.FLike(value, c), value),
                ({ } s, 1) => e.FAdd(s, value),
                ({ } s, -1) => e.FSub(s, value),
                ({ } s, _) when value.Type == e.Ctx.F32x4 => e.MulAddF32x4(e.FLike(value, c), value, s),
                ({ } s, _) => e.FAdd(s, e.FMul(e.F(c), value)),
            };
        }
        return sum ?? throw new InvalidOperationException("a transform row without coefficients");
    }

    /// <summary>
    /// [s0[lane], s1[lane], s2[lane], s3[lane]]: one lane of four vectors, in three shuffles. It turns four tiles'
    /// rows into one vector per tile column (input transform) and back (output transform).
    /// </summary>
    public static LValue Transpose(Emitter e, IReadOnlyList<LValue> sources, int lane)
    {
        LValue Mask(params int[] lanes) => e.Ctx.ConstVector(lanes.Select(l => e.I(l)).ToArray());
        var low = e.B.Shuffle(sources[0], sources[1], Mask(lane, 4 + lane, lane, 4 + lane));
        var high = e.B.Shuffle(sources[2], sources[3], Mask(lane, 4 + lane, lane, 4 + lane));
        return e.B.Shuffle(low, high, Mask(0, 1, 4, 5));
    }
}
