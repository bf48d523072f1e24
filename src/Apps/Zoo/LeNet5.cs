namespace WasmGraph.Apps.Zoo;

/// <summary>
/// LeNet-5 for 28×28 MNIST digits in its common modern form (ReLU and max pooling instead of tanh and subsampling):
/// 5×5 conv to 6 channels with padding 2, 2×2 max pool, 5×5 conv to 16, 2×2 max pool, then dense 400 → 120 → 84 → 10.
/// Input <c>image</c> [1,1,28,28], output <c>logits</c> [1,10].
/// </summary>
public static class LeNet5
{
    public static ZooGraph Build(int seed)
    {
        var graph = new ZooGraph("lenet5");
        var l = new ZooLayers(graph, seed);
        var x = graph.Input("image", 1, 1, 28, 28);

        x = l.MaxPool("pool1", l.Relu("relu1", l.Conv("conv1", x, 1, 6, k: 5, pad: 2, bias: true)), k: 2, stride: 2);
        x = l.MaxPool("pool2", l.Relu("relu2", l.Conv("conv2", x, 6, 16, k: 5, bias: true)), k: 2, stride: 2);
        x = l.Flatten("flatten", x);
        x = l.Relu("relu3", l.Dense("fc1", x, 16 * 5 * 5, 120));
        x = l.Relu("relu4", l.Dense("fc2", x, 120, 84));
        var logits = l.Dense("logits", x, 84, 10);
        graph.Output(logits, 1, 10);
        return graph;
    }
}
