using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Xunit.Abstractions;
using WasmGraph.Abstractions.Plugins;
using static WasmGraph.Abstractions.Tests.Plugins.CraftedModules;

namespace WasmGraph.Abstractions.Tests.Plugins;

/// <summary>
/// Property tests of what <c>run</c>, <c>inspect</c> and the Wasmtime runtime do first with a module: read its section
/// framing and its metadata. Whatever the bytes, the outcome is checked metadata or a <see cref="WasmGraphException"/>
/// (exit 2), never another exception; and accepted metadata never declares more than the module's memory can hold, so
/// no host buffer sized from it can be larger. CsCheck draws the cases and prints the seed of a failing one.
/// </summary>
public sealed class ModuleMetadataFuzzTests
{
    private const int Cases = 2000;

    private readonly ITestOutputHelper _output;

    public ModuleMetadataFuzzTests(ITestOutputHelper output) => _output = output;

    private enum Outcome
    {
        Read,
        Rejected,
    }

    /// <summary>Values a hostile metadata writer would try in place of any field.</summary>
    private static readonly Func<Random, JsonNode?>[] HostileValues =
    [
        _ => null,
        _ => JsonValue.Create(-1),
        _ => JsonValue.Create(0),
        _ => JsonValue.Create(long.MaxValue),
        _ => JsonValue.Create(long.MinValue),
        _ => JsonValue.Create(int.MaxValue),
        _ => JsonValue.Create(2147483648L),
        _ => JsonValue.Create(4294967296L),
        _ => JsonValue.Create(1e300),
        _ => JsonValue.Create(0.5),
        _ => JsonValue.Create(true),
        _ => JsonValue.Create(""),
        _ => JsonValue.Create("float32"),
        _ => JsonValue.Create("/etc/shadow"),
        r => JsonValue.Create(new string('x', r.Next(150, 3000))),
        _ => JsonValue.Create("\u001b]0;owned\u0007"),
        _ => new JsonArray(),
        _ => new JsonObject(),
        _ => new JsonArray(JsonValue.Create(-1), JsonValue.Create(4)),
        _ => new JsonArray((JsonNode?)null),
        r => new JsonArray(Enumerable.Range(0, r.Next(1, 20)).Select(_ => (JsonNode?)JsonValue.Create(r.Next(0, 1 << 16))).ToArray()),
        _ => new JsonArray(JsonValue.Create(1L << 31), JsonValue.Create(1L << 31), JsonValue.Create(1L << 31)),
    ];

    [Fact]
    public void MutatedMetadataIsReadOrRejectedClearlyAndNeverOverclaimsMemory()
    {
        var outcomes = new ConcurrentDictionary<Outcome, int>();
        Gen.Select(Gen.Int, Gen.Int[0, 40], Gen.Int[1, 4]).Sample((seed, pages, mutations) =>
        {
            var random = new Random(seed);
            var json = JsonNode.Parse(AddOneJson)!;
            for (int i = 0; i < mutations; i++)
            {
                json = Mutate(json, random);
            }
            long? limit = random.Next(3) == 0 ? random.Next(1, 64) * 65536L : null;

            var outcome = ReadOrReject(Module(json?.ToJsonString() ?? "null", (uint)pages), limit, $"seed {seed}, {pages} pages");

            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        }, iter: Cases, threads: 2);

        _output.WriteLine($"read {outcomes.GetValueOrDefault(Outcome.Read)}, rejected {outcomes.GetValueOrDefault(Outcome.Rejected)}");
        // Not vacuous: some mutations keep the metadata valid, most do not.
        Assert.True(outcomes.GetValueOrDefault(Outcome.Read) > 0, "no mutated metadata was accepted");
        Assert.True(outcomes.GetValueOrDefault(Outcome.Rejected) > Cases / 2, "too few mutations were rejected");
    }

    [Fact]
    public void MutatedSectionFramingIsReadOrRejectedClearly()
    {
        var valid = Module(AddOneJson, pages: 2);
        var outcomes = new ConcurrentDictionary<Outcome, int>();
        Gen.Select(Gen.Int, Gen.Int[0, 5]).Sample((seed, kind) =>
        {
            var random = new Random(seed);
            var bytes = MutateFraming(valid, kind, random);

            var outcome = ReadOrReject(bytes, null, $"framing kind {kind}, seed {seed}");

            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        }, iter: Cases, threads: 2);

        _output.WriteLine($"read {outcomes.GetValueOrDefault(Outcome.Read)}, rejected {outcomes.GetValueOrDefault(Outcome.Rejected)}");
        Assert.True(outcomes.GetValueOrDefault(Outcome.Rejected) > 0);
    }

    private static Outcome ReadOrReject(byte[] module, long? limit, string label)
    {
        ModelMetadata metadata;
        try
        {
            var info = WasmBinaryReader.Read(module);
            metadata = ModuleMetadataReader.ReadForRun(info, limit);
            long bound = ModuleMetadataReader.MemoryBound(info, limit);
            Assert.True(bound <= ModuleMetadataReader.Wasm32MemoryBytes, label);
            Assert.All(metadata.Inputs.Concat(metadata.Outputs), t =>
            {
                Assert.True(t.ByteSize >= 0 && t.ByteSize <= bound, $"{label}: '{t.Name}' declares {t.ByteSize} bytes in {bound}");
                Assert.Equal(t.ByteSize, t.ToTensorType().ByteSize);
            });
            Assert.True(metadata.Outputs.Sum(t => t.ByteSize) <= bound, label);
            Assert.True(limit is null || bound <= limit, label);
            Assert.All(metadata.Hints, h => Assert.True(h.Key is not null && h.Value is not null, label));
            return Outcome.Read;
        }
        catch (WasmGraphException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), label);
            return Outcome.Rejected;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{label}: {e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    /// <summary>Replaces, deletes or duplicates one node anywhere in the document, or replaces the whole document.</summary>
    private static JsonNode? Mutate(JsonNode? root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        if (nodes.Count == 0 || random.Next(50) == 0)
        {
            return HostileValues[random.Next(HostileValues.Length)](random);
        }
        var target = nodes[random.Next(nodes.Count)];
        var parent = target.Parent;
        if (parent is null)
        {
            return root;
        }
        var replacement = random.Next(4) switch
        {
            0 => target.DeepClone() is var copy && parent is JsonArray ? copy : HostileValues[random.Next(HostileValues.Length)](random),
            _ => HostileValues[random.Next(HostileValues.Length)](random),
        };
        switch (parent)
        {
            case JsonObject obj:
                var key = obj.First(kv => ReferenceEquals(kv.Value, target)).Key;
                if (random.Next(5) == 0)
                {
                    obj.Remove(key);
                }
                else
                {
                    obj[key] = replacement;
                }
                break;
            case JsonArray array:
                int index = array.IndexOf(target);
                if (random.Next(5) == 0)
                {
                    array.Insert(index, replacement); // duplicates when the replacement is a copy
                }
                else
                {
                    array[index] = replacement;
                }
                break;
        }
        return root;
    }

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        into.Add(child);
                        Collect(child, into);
                    }
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        into.Add(child);
                        Collect(child, into);
                    }
                }
                break;
        }
    }

    /// <summary>Length lies (section sizes and name lengths as large LEB128s), truncation, bit flips, inserted and spliced bytes.</summary>
    private static byte[] MutateFraming(byte[] valid, int kind, Random random)
    {
        var bytes = new List<byte>(valid);
        switch (kind)
        {
            case 0: // a section size or name length replaced by a boundary value
                {
                    int at = random.Next(8, Math.Min(bytes.Count, 40));
                    uint[] lies = [0, 1, 0x7F, 0x80, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, (uint)valid.Length, (uint)random.Next()];
                    var leb = new List<byte>();
                    leb.AddRange(WasmCustomSection.Leb128(lies[random.Next(lies.Length)]));
                    bytes.RemoveAt(at);
                    bytes.InsertRange(at, leb);
                    break;
                }
            case 1:
                return bytes.Take(random.Next(bytes.Count)).ToArray();
            case 2:
                for (int i = random.Next(1, 8); i > 0; i--)
                {
                    int at = random.Next(bytes.Count);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }
                break;
            case 3:
                bytes.InsertRange(random.Next(8, bytes.Count), Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256)));
                break;
            case 4: // a second, hostile custom section
                bytes.AddRange(CustomSection(random.Next(2) == 0 ? ModuleAbi.MetadataSection : "other", Encoding.UTF8.GetBytes("{\"abi_version\":1}")));
                break;
            default: // bytes moved from one place to another
                {
                    int from = random.Next(8, bytes.Count);
                    int count = Math.Min(random.Next(1, 32), bytes.Count - from);
                    var chunk = bytes.GetRange(from, count);
                    bytes.RemoveRange(from, count);
                    bytes.InsertRange(random.Next(8, bytes.Count), chunk);
                    break;
                }
        }
        return bytes.ToArray();
    }
}
