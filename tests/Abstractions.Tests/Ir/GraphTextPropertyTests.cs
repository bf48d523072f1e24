using CsCheck;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Tests.Ir;

public class GraphTextPropertyTests
{
    [Fact]
    public void RandomGraphsRoundTripThroughTheirText()
    {
        Gen.Int.Sample(seed =>
        {
            var graph = new RandomGraphs(seed).Next();
            var text = graph.Print(GraphTextOptions.Full);

            var parsed = GraphText.Parse(text);

            Assert.True(GraphEquality.FirstDifference(graph, parsed) is null, $"seed {seed}: {GraphEquality.FirstDifference(graph, parsed)}\n{text}");
            Assert.Equal(text, parsed.Print(GraphTextOptions.Full));
        }, iter: 2000, threads: 2);
    }

    [Fact]
    public void AChangedByteMakesRandomGraphsDiffer()
    {
        Gen.Int.Sample(seed =>
        {
            var graph = new RandomGraphs(seed).Next();
            var (name, data) = graph.Constants.FirstOrDefault(c => c.Value.Bytes.Length > 0);
            if (name is null)
            {
                return;
            }
            var bytes = data.Bytes.ToArray();
            bytes[new Random(seed).Next(bytes.Length)] ^= 0x10;
            var changed = graph with { Constants = graph.Constants.SetItem(name, new TensorData(data.Type, bytes)) };

            Assert.NotNull(GraphEquality.FirstDifference(graph, GraphText.Parse(changed.Print(GraphTextOptions.Full))));
        }, iter: 500, threads: 2);
    }

    [Fact]
    public void EveryHalfAndBFloatBitPatternRoundTrips()
    {
        foreach (var format in new[] { DataType.Float16, DataType.BFloat16 })
        {
            var bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
            var data = TensorData.FromArray(format, new Shape(bits.Length), bits.AsSpan());
            var b = new GraphBuilder("halves");
            b.AddConstant("h", data);
            b.Outputs.Add("h");

            var parsed = GraphText.Parse(b.Build().Print(GraphTextOptions.Full));

            Assert.Equal(data.Bytes.ToArray(), parsed.Constants["h"].Bytes.ToArray());
        }
    }

    /// <summary>Damaged text (characters deleted, repeated or replaced) parses or is refused as a ModelException, never a crash.</summary>
    [Fact]
    public void DamagedTextParsesOrIsRefusedWithALineAndColumn()
    {
        const string alphabet = "[](){}<>,:=#\"\\/-.≤0123456789eNaIx \n";
        Gen.Select(Gen.Int, Gen.Int[1, 4]).Sample((seed, edits) =>
        {
            var random = new Random(seed);
            var text = new System.Text.StringBuilder(new RandomGraphs(seed).Next().Print(GraphTextOptions.Full));
            for (int i = 0; i < edits && text.Length > 0; i++)
            {
                int at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, 1); break;
                    case 1: text.Insert(at, text[random.Next(text.Length)]); break;
                    default: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }
            try
            {
                GraphText.Parse(text.ToString());
            }
            catch (ModelException error)
            {
                Assert.Matches(@"^IR text, line \d+, column \d+: ", error.Message);
            }
        }, iter: 5000, threads: 2);
    }
}
