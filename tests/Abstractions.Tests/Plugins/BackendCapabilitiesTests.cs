using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Abstractions.Tests.Plugins;

public class BackendCapabilitiesTests
{
    /// <summary>A backend that lowers Conv and FusedConv, the latter only without an activation.</summary>
    private sealed class SmallBackend : IBackend
    {
        public string Name => "small";
        public string Description => "lowers two ops";
        public IReadOnlySet<string> SupportedOps { get; } = new HashSet<string> { "Conv", FusedOps.Conv };

        public bool IsOpSupported(Node node, Graph graph, out string? reason)
        {
            reason = !SupportedOps.Contains(node.Op) ? "no kernel" : node.Attributes.Has(FusedOps.Activation) ? "no fused activations" : null;
            return reason is null;
        }

        public Artifact Compile(Graph graph, BackendOptions options) => throw new NotSupportedException();
    }

    private static readonly Graph Empty = new GraphBuilder("empty").Build();

    private static Node Conv(string op, Attributes attributes) => new("c", op, ["x", "w"], ["y"], attributes);

    [Fact]
    public void ABackendsCapabilitiesAreItsSupportedOpsAndItsNodeCheck()
    {
        var capabilities = new BackendCapabilities(new SmallBackend());

        Assert.True(capabilities.SupportsOp(FusedOps.Conv));
        Assert.False(capabilities.SupportsOp(FusedOps.Gemm));
        Assert.True(capabilities.CanRun(Conv(FusedOps.Conv, Attributes.Empty), Empty));
        Assert.False(capabilities.CanRun(Conv(FusedOps.Conv, Attributes.Empty.With(FusedOps.Activation, "Relu")), Empty));
    }

    [Fact]
    public void APassContextWithoutABackendMayMakeEveryRegistryOp()
    {
        var context = new PassContext(OpRegistry.Default);

        Assert.True(context.Capabilities.SupportsOp(FusedOps.MatMul));
        Assert.True(context.Capabilities.CanRun(Conv(FusedOps.Conv, Attributes.Empty.With(FusedOps.Activation, "Relu")), Empty));
        Assert.False(context.Capabilities.SupportsOp("Frobnicate"));
    }
}
