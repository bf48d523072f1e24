using System.Diagnostics;
using System.Text;
using Wasmtime;

namespace WasmGraph.Bench.Engines;

/// <summary>
/// The SIMD128 fused multiply-add ceiling of this machine in Wasmtime: a loop of independent
/// <c>f32x4.relaxed_madd</c> accumulators with no memory traffic. Kernel GFLOP/s are reported as a fraction of it.
/// </summary>
public static class SimdPeak
{
    private const int Accumulators = 12;

    public static double MeasureGflops(int iterations = 20_000_000)
    {
        using var config = new Config().WithOptimizationLevel(OptimizationLevel.Speed);
        using var engine = new Engine(config);
        using var module = Module.FromText(engine, "simd-peak", Wat());
        using var store = new Store(engine);
        var instance = new Instance(store, module);
        var peak = instance.GetFunction<int, float>("peak")!;
        peak(1000); // compile and warm up
        double best = 0;
        for (int run = 0; run < 5; run++)
        {
            var clock = Stopwatch.StartNew();
            peak(iterations);
            double seconds = clock.Elapsed.TotalSeconds;
            best = Math.Max(best, (double)iterations * Accumulators * 4 * 2 / seconds / 1e9);
        }
        return best;
    }

    private static string Wat()
    {
        var text = new StringBuilder("(module (func (export \"peak\") (param $n i32) (result f32)\n");
        for (int i = 0; i < Accumulators; i++)
        {
            text.Append($"  (local $a{i} v128)\n");
        }
        text.Append("  (local $x v128) (local $w v128)\n");
        text.Append("  (local.set $x (f32x4.splat (f32.const 1.0000001))) (local.set $w (f32x4.splat (f32.const 0.9999999)))\n");
        text.Append("  (loop $l\n");
        for (int i = 0; i < Accumulators; i++)
        {
            text.Append($"    (local.set $a{i} (f32x4.relaxed_madd (local.get $x) (local.get $w) (local.get $a{i})))\n");
        }
        text.Append("    (br_if $l (i32.ne (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0))))\n");
        var sum = "(local.get $a0)";
        for (int i = 1; i < Accumulators; i++)
        {
            sum = $"(f32x4.add {sum} (local.get $a{i}))";
        }
        text.Append($"  (f32x4.extract_lane 0 {sum})))\n");
        return text.ToString();
    }
}
