namespace WasmGraph.Apps.Zoo;

/// <summary>One generated topology: its CLI name, what it is, and the generator (seed → graph).</summary>
public sealed record ZooModel(string Name, string Description, Func<int, ZooGraph> Build);

/// <summary>
/// The standard topologies <c>wasmgraph zoo</c> writes. No trained ImageNet classifier or MNIST model is reachable from
/// our package registries, so these stand in for speed and ONNX Runtime parity: exact published shapes, seeded weights.
/// </summary>
public static class ZooCatalog
{
    public static IReadOnlyList<ZooModel> All { get; } =
    [
        new("resnet50", "ResNet-50 v1 (model-zoo layout), 224×224 → 1000", ResNet50.Build),
        new("mobilenetv2", "MobileNetV2 1.0, 224×224 → 1000, ReLU6 as Clip", MobileNetV2.Build),
        new("squeezenet1.1", "SqueezeNet 1.1, 224×224 → 1000", SqueezeNet11.Build),
        new("lenet5", "LeNet-5, 1×28×28 → 10", LeNet5.Build),
    ];

    public static ZooModel? Find(string name)
        => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}
