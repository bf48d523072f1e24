using System.Collections.Concurrent;
using CsCheck;
using WasmGraph.TestSupport.Fuzzing;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// The CI share of the frontend fuzzing (bench/Fuzz runs ten times more): 1,000 mutated and generated models, each of
/// which must load or be rejected with a <see cref="WasmGraphException"/> naming the file (what the CLI reports with
/// exit 2). CsCheck draws the cases and, on a failure, prints the seed that reproduces it.
/// </summary>
public sealed class FuzzTests
{
    private const int Cases = 1000;

    private static readonly Lazy<List<(string Name, byte[] Bytes)>> SeedModels =
        new(() => FrontendFuzzer.Seeds(DataDirectory(), maxTestdata: 60, includeLarge: false));

    [Fact]
    public void AThousandMutatedAndGeneratedModelsLoadOrAreRejectedClearly()
    {
        var seeds = SeedModels.Value;
        var outcomes = new ConcurrentDictionary<(string, FuzzOutcome), int>();
        var cases = Gen.Select(Gen.Int[0, FrontendFuzzer.Kinds.Length - 1], Gen.Int[0, seeds.Count - 1], Gen.Int);

        cases.Sample((kindIndex, seedIndex, caseSeed) =>
        {
            string kind = FrontendFuzzer.Kinds[kindIndex];
            var bytes = FrontendFuzzer.Make(kind, seeds[seedIndex].Bytes, caseSeed);

            var result = FrontendFuzzer.Run(kind, bytes);

            outcomes.AddOrUpdate((kind, result.Outcome), 1, (_, n) => n + 1);
            Assert.True(result.Outcome is FuzzOutcome.Loaded or FuzzOutcome.Rejected,
                $"{kind} of {seeds[seedIndex].Name} (seed {caseSeed}): {result.Outcome}: {result.Error}");
            Assert.True(result.Milliseconds < 10_000, $"{kind} of {seeds[seedIndex].Name} (seed {caseSeed}) took {result.Milliseconds:F0} ms");
        }, iter: Cases, threads: 2);

        Assert.Equal(Cases, outcomes.Values.Sum());
        // Not a vacuous run: both outcomes occur, and every kind was drawn.
        Assert.Contains(outcomes.Keys, k => k.Item2 == FuzzOutcome.Loaded);
        Assert.Contains(outcomes.Keys, k => k.Item2 == FuzzOutcome.Rejected);
        Assert.Equal(FrontendFuzzer.Kinds.Length, outcomes.Keys.Select(k => k.Item1).Distinct().Count());
    }

    [Theory]
    [InlineData("bit-flip")]
    [InlineData("truncation")]
    [InlineData("length-lie")]
    [InlineData("field-mutation")]
    [InlineData("huge-declaration")]
    public void EveryKindOfMutationIsSurvivedOnEverySeedModel(string kind)
    {
        foreach (var (name, bytes) in SeedModels.Value)
        {
            var result = FrontendFuzzer.Run(kind, FrontendFuzzer.Make(kind, bytes, name.Length));

            Assert.True(result.Outcome is FuzzOutcome.Loaded or FuzzOutcome.Rejected, $"{kind} of {name}: {result.Outcome}: {result.Error}");
        }
    }

    [Fact]
    public void AHugeDeclarationIsAlwaysRefused()
    {
        foreach (var (name, bytes) in SeedModels.Value.Take(10))
        {
            for (int seed = 0; seed < 8; seed++)
            {
                var result = FrontendFuzzer.Run("huge-declaration", FrontendFuzzer.Make("huge-declaration", bytes, seed));

                Assert.True(result.Outcome == FuzzOutcome.Rejected, $"{name} (seed {seed}): {result.Outcome}: {result.Error}");
            }
        }
    }

    /// <summary>The fetched data (ONNX node tests as extra seeds), if <c>./wasmgraph fetch</c> has run.</summary>
    private static string? DataDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "WasmGraph.sln")))
            {
                var data = Path.Combine(dir.FullName, ".cache", "data");
                return Directory.Exists(data) ? data : null;
            }
        }
        return null;
    }
}
