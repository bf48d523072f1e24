using WasmGraph.TestSupport.Fuzzing;

namespace WasmGraph.Onnx.Tests;

/// <summary>
/// <c>inspect</c> summarises any file it is given, so the summary meets the frontend fuzzer's mutations
/// (<see cref="FrontendFuzzer.Make"/>: bit flips, truncations, lying lengths, huge declarations, generated models): each
/// is summarised or refused with a <see cref="WasmGraphException"/>, within 4× its size + 1 MiB of allocation.
/// </summary>
public class OnnxModelSummaryFuzzTests
{
    private const int Cases = 2000;

    [Fact]
    public void EveryMutatedModelIsSummarisedOrRefusedWithinItsMemoryBound()
    {
        OnnxModelSummary.Parse(ModelGenerator.Generate(new Random(0))); // the first call pays for the descriptors and the JIT
        var failures = new List<string>();
        for (int i = 0; i < Cases; i++)
        {
            string kind = FrontendFuzzer.Kinds[i % FrontendFuzzer.Kinds.Length];
            var bytes = FrontendFuzzer.Make(kind, ModelGenerator.Generate(new Random(i)), i);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                OnnxModelSummary.Parse(bytes);
            }
            catch (WasmGraphException)
            {
                // refused: what inspect reports with exit 2
            }
            catch (Exception e)
            {
                failures.Add($"{kind} case {i}: {e.GetType().Name}: {e.Message}");
                continue;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > 4L * bytes.Length + (1 << 20))
            {
                failures.Add($"{kind} case {i}: {allocated} bytes allocated for {bytes.Length} bytes");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases} cases failed:\n{string.Join("\n", failures.Take(10))}");
    }
}
