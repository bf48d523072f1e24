using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Abstractions.Tests.Plugins;

public class PassOrderTests
{
    private sealed class FakePass(string name, string[]? requires = null, string[]? runsAfter = null) : IPass
    {
        public string Name => name;
        public string Description => "a pass that only declares its order";
        public IReadOnlyList<string> Requires => requires ?? [];
        public IReadOnlyList<string> RunsAfter => runsAfter ?? [];
        public Graph Run(Graph graph, PassContext context) => graph;
    }

    private static readonly IPass[] Passes =
    [
        new FakePass("fold"),
        new FakePass("fuse-add", runsAfter: ["fold"]),
        new FakePass("fuse-act", runsAfter: ["fold", "fuse-add"]),
        new FakePass("layout", requires: ["fuse-act"]),
        new FakePass("cleanup"),
    ];

    private static IReadOnlyList<string> Check(params string[] pipeline)
        => PassOrder.Check(pipeline, name => Passes.FirstOrDefault(p => p.Name == name));

    [Fact]
    public void APipelineInDeclaredOrderPasses()
    {
        Assert.Empty(Check("fold", "fuse-add", "fuse-act", "layout", "cleanup"));
        Assert.Empty(Check("fuse-act")); // soft: the passes it runs after may be left out
        Assert.Empty(Check("cleanup", "fold", "cleanup", "fuse-add", "cleanup"));
    }

    [Fact]
    public void AMissingRequiredPassNamesBothPasses()
        => Assert.Equal(["pass 'layout' requires 'fuse-act' to run before it, but the pipeline is 'fold,layout'"], Check("fold", "layout"));

    [Fact]
    public void ARequiredPassThatComesLaterIsRefused()
        => Assert.Single(Check("layout", "fuse-act"), p => p.Contains("'layout' requires 'fuse-act'"));

    [Fact]
    public void ASoftOrderThatIsBrokenNamesBothPasses()
    {
        var problems = Check("fuse-act", "fold", "fuse-add");
        Assert.Equal(
            [
                "pass 'fuse-act' must run after 'fold' when both are in the pipeline, but the pipeline is 'fuse-act,fold,fuse-add'",
                "pass 'fuse-act' must run after 'fuse-add' when both are in the pipeline, but the pipeline is 'fuse-act,fold,fuse-add'",
            ],
            problems);
    }

    [Fact]
    public void UnknownPassesAreLeftToTheNameCheck() => Assert.Empty(Check("frobnicate", "fold"));
}
