namespace WasmGraph.Bench;

/// <summary>Per-kernel best times over several profiles (<see cref="ThreadProfile"/>, <see cref="ModuleComparison"/>).</summary>
internal static class BestTimes
{
    /// <summary>A best-so-far array of <paramref name="count"/> kernels, nothing measured yet.</summary>
    public static double[] Start(int count) => Enumerable.Repeat(double.MaxValue, count).ToArray();

    /// <summary>Keeps, per kernel, the smaller of the best so far and <paramref name="times"/>.</summary>
    public static void Keep(double[] best, IReadOnlyList<double> times)
    {
        for (int i = 0; i < best.Length; i++)
        {
            best[i] = Math.Min(best[i], times[i]);
        }
    }
}
