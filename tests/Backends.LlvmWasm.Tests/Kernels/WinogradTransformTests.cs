using WasmGraph.Backends.LlvmWasm.Kernels;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>The transform matrices, checked in double against the 3×3 correlation they must reproduce.</summary>
public class WinogradTransformTests
{
    [Theory]
    [InlineData("winograd2")]
    [InlineData("winograd4")]
    [InlineData("winograd6")]
    public void AtTimesTheProductOfTheTransformsIsTheCorrelation(string algorithm)
    {
        var t = WinogradTransform.For(ConvAlgorithms.Parse(algorithm)!.Value);
        int a = t.Alpha, m = t.M;
        var random = new Random(7);
        var d = new double[a, a];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < a; j++)
            {
                d[i, j] = random.NextDouble() * 2 - 1;
            }
        }
        var g = Enumerable.Range(0, 9).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        var k = t.FilterMatrix();
        var u = Enumerable.Range(0, a * a).Select(xi => Enumerable.Range(0, 9).Sum(tap => k[xi, tap] * g[tap])).ToArray();
        var v = Sandwich(t.BT, d);
        var product = new double[a, a];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < a; j++)
            {
                product[i, j] = u[i * a + j] * v[i, j];
            }
        }
        var y = Sandwich(t.AT, product);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double expected = 0;
                for (int r = 0; r < 3; r++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        expected += d[i + r, j + c] * g[r * 3 + c];
                    }
                }
                Assert.Equal(expected, y[i, j], 9);
            }
        }
    }

    /// <summary>T·X·Tᵀ.</summary>
    private static double[,] Sandwich(double[,] t, double[,] x)
    {
        int outs = t.GetLength(0), n = t.GetLength(1);
        var result = new double[outs, outs];
        for (int i = 0; i < outs; i++)
        {
            for (int l = 0; l < outs; l++)
            {
                for (int r = 0; r < n; r++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        result[i, l] += t[i, r] * x[r, j] * t[l, j];
                    }
                }
            }
        }
        return result;
    }
}
