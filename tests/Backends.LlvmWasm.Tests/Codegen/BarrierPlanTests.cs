using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;

namespace WasmGraph.Backends.LlvmWasm.Tests.Codegen;

/// <summary>
/// <see cref="BarrierPlan"/> alone, on hand-made accesses: where a threaded module's workers must meet between kernels.
/// The numerical check that skipping the others gives the same bits is in <see cref="ThreadingTests"/> ("independent-products").
/// </summary>
public class BarrierPlanTests
{
    private static MemorySlot Slot(long offset) => new(offset, 64);

    private static KernelAccess Reads(long read, long write) => new([Slot(read)], [Slot(write)]);

    [Fact]
    public void IndependentSplitKernelsRunBackToBackWithoutABarrier()
    {
        // x@0 → a@64, x@0 → b@128, x@0 → c@192, then (a, b, c) → y@256: one barrier, before the kernel that reads them.
        var accesses = new[] { Reads(0, 64), Reads(0, 128), Reads(0, 192), new KernelAccess([Slot(64), Slot(128), Slot(192)], [Slot(256)]) };
        Assert.Equal([false, false, true], BarrierPlan.Barriers([true, true, true, true], accesses));
    }

    [Fact]
    public void AKernelThatOverwritesWhatAnotherStillReadsWaitsForIt()
    {
        // The second kernel's output reuses the bytes the first reads (a memory plan reuses dead values' slots).
        Assert.Equal([true], BarrierPlan.Barriers([true, true], [Reads(0, 64), Reads(128, 0)]));
    }

    [Fact]
    public void UnsplitKernelsInARowShareWorkerZeroAndNeedNoBarrier()
    {
        // a chain on worker 0 alone, then a split kernel that reads its end
        var accesses = new[] { Reads(0, 64), Reads(64, 128), Reads(128, 192) };
        Assert.Equal([false, true], BarrierPlan.Barriers([false, false, true], accesses));
    }

    [Fact]
    public void AConflictWithAnyKernelSinceTheLastBarrierCounts()
    {
        // kernel 2 reads kernel 0's output; kernel 1 in between is independent of both.
        var accesses = new[] { Reads(0, 64), Reads(0, 128), Reads(64, 192) };
        Assert.Equal([false, true], BarrierPlan.Barriers([true, true, true], accesses));
    }

    [Fact]
    public void WithoutAccessesEverySplitKernelIsFenced()
        => Assert.Equal([true, false, true], BarrierPlan.Barriers([true, false, false, true], null));
}
