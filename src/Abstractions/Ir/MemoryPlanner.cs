using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// The node steps during which a value must keep its bytes, inclusive: from the step of the node that defines it to
/// the step of its last reader. Graph inputs start at -1 and graph outputs end at <c>Nodes.Length</c>, so the host
/// can write and read them before and after the run.
/// </summary>
public sealed record Lifetime(int Start, int End)
{
    public bool Overlaps(Lifetime other) => Start <= other.End && other.Start <= End;

    public bool Contains(int step) => Start <= step && step <= End;
}

/// <summary>The order in which <see cref="MemoryPlanner.Plan"/> places values, each at the lowest offset that fits.</summary>
public enum PlacementStrategy
{
    /// <summary>
    /// Both orders below, keeping the smaller arena (greedy on a tie). Neither wins everywhere: largest first reaches
    /// the peak-live bound on ResNet18 and MiniLM, while definition order saves 11 % on BlazeFace; planning is cheap.
    /// </summary>
    Smallest,

    /// <summary>Graph inputs, then largest first: big activations claim the bottom of the arena and small ones fill the gaps.</summary>
    GreedyBySize,

    /// <summary>In definition order: first fit as the values appear, which suits graphs whose sizes grow and shrink in waves.</summary>
    InOrder,
}

/// <summary>
/// Static memory planning over one arena: computes value lifetimes from the node order, places values so that two
/// that are live at the same step never share a byte, and checks a plan against a graph. Shared by the plan-memory
/// pass, the verifier and any backend that plans on its own, so there is exactly one algorithm.
/// Why greedy first fit: simple, deterministic, and with the better of two orders it reaches
/// <see cref="PeakLiveBytes"/>, the bound no placement can beat, on ResNet18 and MiniLM (docs/performance.md).
/// </summary>
public static class MemoryPlanner
{
    /// <summary>The lifetime of every non-constant value (graph inputs and node outputs).</summary>
    public static ImmutableDictionary<string, Lifetime> Lifetimes(Graph graph)
    {
        int end = graph.Nodes.Length;
        var start = new Dictionary<string, int>(StringComparer.Ordinal);
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            start[input] = -1;
            last[input] = end;
        }
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            foreach (var input in node.Inputs.Where(start.ContainsKey))
            {
                last[input] = Math.Max(last[input], i);
            }
            foreach (var output in node.Outputs)
            {
                start[output] = i;
                last[output] = Math.Max(last.GetValueOrDefault(output, i), i);
            }
        }
        foreach (var output in graph.Outputs.Where(start.ContainsKey))
        {
            last[output] = end;
        }
        return start.ToImmutableDictionary(kv => kv.Key, kv => new Lifetime(kv.Value, last[kv.Key]), StringComparer.Ordinal);
    }

    /// <summary>
    /// The most bytes of values live at one step: a lower bound on the arena of any plan (before alignment and
    /// scratch), which shows how much room a better placement could still win.
    /// </summary>
    public static long PeakLiveBytes(Graph graph)
    {
        // change[step + 1]: the bytes that become live at a step minus those freed after the step before.
        var change = new long[graph.Nodes.Length + 3];
        foreach (var (name, life) in Lifetimes(graph))
        {
            long bytes = graph.TypeOf(name).ByteSize;
            change[life.Start + 1] += bytes;
            change[life.End + 2] -= bytes;
        }
        long live = 0, peak = 0;
        foreach (var delta in change)
        {
            live += delta;
            peak = Math.Max(peak, live);
        }
        return peak;
    }

    /// <summary>Places every non-constant value of <paramref name="graph"/> at an <paramref name="alignment"/>-aligned offset.</summary>
    public static MemoryPlan Plan(Graph graph, int alignment = MemoryPlan.DefaultAlignment, PlacementStrategy strategy = PlacementStrategy.Smallest)
    {
        if (!MemoryPlan.IsValidAlignment(alignment))
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, $"must be a power of two of at least {MemoryPlan.MinimumAlignment}");
        }
        if (strategy == PlacementStrategy.Smallest)
        {
            var greedy = Plan(graph, alignment, PlacementStrategy.GreedyBySize);
            var inOrder = Plan(graph, alignment, PlacementStrategy.InOrder);
            return inOrder.ArenaBytes < greedy.ArenaBytes ? inOrder : greedy;
        }
        var lifetimes = Lifetimes(graph);
        var names = lifetimes.Keys.Order(StringComparer.Ordinal);
        // Graph inputs go first, at the bottom: live for the whole run, they overlap every value anyway, and placed
        // later they can land between two big values and split a gap a kernel's scratch could otherwise have used.
        var order = strategy == PlacementStrategy.GreedyBySize
            ? names.OrderBy(v => lifetimes[v].Start >= 0).ThenByDescending(v => graph.TypeOf(v).ByteSize).ThenBy(v => lifetimes[v].Start)
            : names.OrderBy(v => lifetimes[v].Start);
        var slots = ImmutableDictionary.CreateBuilder<string, MemorySlot>(StringComparer.Ordinal);
        var placed = new List<Placed>();
        long arena = 0;
        foreach (var name in order)
        {
            var life = lifetimes[name];
            long bytes = graph.TypeOf(name).ByteSize;
            var slot = new MemorySlot(LowestFit(placed.Where(p => p.Life.Overlaps(life)).Select(p => p.Slot), bytes, alignment), bytes);
            placed.Add(new Placed(life, slot));
            slots[name] = slot;
            arena = Math.Max(arena, AlignUp(slot.End, alignment));
        }
        return new MemoryPlan(slots.ToImmutable(), Math.Max(arena, alignment), alignment);
    }

    /// <summary>
    /// Places one temporary buffer per node (a kernel's scratch) that lives only while that node runs: each at the
    /// lowest aligned offset free of the values live at that step. Nodes run one at a time, so the temporaries of
    /// different nodes share bytes. Returns their offsets by node index and the arena size covering everything.
    /// </summary>
    public static (ImmutableDictionary<int, long> Offsets, long ArenaBytes) PlaceTemporaries(Graph graph, MemoryPlan plan, Func<int, long> bytesOf)
    {
        var lifetimes = Lifetimes(graph);
        var values = plan.Slots.Where(s => lifetimes.ContainsKey(s.Key)).Select(s => new Placed(lifetimes[s.Key], s.Value)).ToList();
        var offsets = ImmutableDictionary.CreateBuilder<int, long>();
        long arena = plan.ArenaBytes;
        for (int step = 0; step < graph.Nodes.Length; step++)
        {
            long bytes = bytesOf(step);
            if (bytes <= 0)
            {
                continue;
            }
            var live = values.Where(v => v.Life.Contains(step)).Select(v => v.Slot);
            offsets[step] = LowestFit(live, bytes, plan.Alignment);
            arena = Math.Max(arena, AlignUp(offsets[step] + bytes, plan.Alignment));
        }
        return (offsets.ToImmutable(), arena);
    }

    /// <summary>
    /// What is wrong with <paramref name="plan"/> for <paramref name="graph"/>: a value without a slot or with one too
    /// small, misaligned or past the arena; a slot for a value the graph no longer has; two values live at the same
    /// step that share bytes. Empty when the plan is safe to use.
    /// </summary>
    public static IReadOnlyList<string> Check(Graph graph, MemoryPlan plan)
    {
        var problems = new List<string>();
        if (!MemoryPlan.IsValidAlignment(plan.Alignment))
        {
            problems.Add($"alignment {plan.Alignment} is not a power of two of at least {MemoryPlan.MinimumAlignment}");
            return problems;
        }
        var lifetimes = Lifetimes(graph);
        foreach (var (name, _) in lifetimes.OrderBy(kv => kv.Value.Start).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!plan.Slots.TryGetValue(name, out var slot))
            {
                problems.Add($"value '{name}' has no slot");
                continue;
            }
            long needed = graph.TypeOf(name).ByteSize;
            if (slot.Bytes < needed)
            {
                problems.Add($"the slot of '{name}' holds {slot.Bytes} bytes but the value needs {needed}");
            }
            if (slot.Offset < 0 || slot.Offset % plan.Alignment != 0)
            {
                problems.Add($"the slot of '{name}' at offset {slot.Offset} is not {plan.Alignment}-byte aligned");
            }
            if (slot.End > plan.ArenaBytes)
            {
                problems.Add($"the slot of '{name}' {slot} ends past the arena of {plan.ArenaBytes} bytes");
            }
        }
        foreach (var name in plan.Slots.Keys.Where(n => !lifetimes.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            problems.Add($"'{name}' has a slot but is not a non-constant value of the graph (a stale plan?)");
        }
        // Sorted by offset, a slot can only overlap the slots after it that start before it ends.
        var placed = plan.Slots.Where(s => lifetimes.ContainsKey(s.Key))
                         .OrderBy(s => s.Value.Offset).ThenBy(s => s.Key, StringComparer.Ordinal).ToList();
        for (int a = 0; a < placed.Count; a++)
        {
            for (int b = a + 1; b < placed.Count && placed[b].Value.Offset < placed[a].Value.End; b++)
            {
                var (first, second) = (placed[a], placed[b]);
                if (first.Value.Overlaps(second.Value) && lifetimes[first.Key].Overlaps(lifetimes[second.Key]))
                {
                    problems.Add($"'{first.Key}' {first.Value} and '{second.Key}' {second.Value} are live at the same time but share bytes");
                }
            }
        }
        return problems;
    }

    private sealed record Placed(Lifetime Life, MemorySlot Slot);

    public static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;

    /// <summary>The lowest aligned offset where <paramref name="bytes"/> fit between the <paramref name="occupied"/> ranges.</summary>
    private static long LowestFit(IEnumerable<MemorySlot> occupied, long bytes, int alignment)
    {
        long offset = 0;
        foreach (var other in occupied.Where(s => s.Bytes > 0).OrderBy(s => s.Offset))
        {
            if (offset + bytes <= other.Offset)
            {
                break;
            }
            offset = Math.Max(offset, AlignUp(other.End, alignment));
        }
        return offset;
    }
}
