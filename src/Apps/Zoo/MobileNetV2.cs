namespace WasmGraph.Apps.Zoo;

/// <summary>
/// MobileNetV2, width 1.0, 224×224, as torchvision defines it: a 3×3/2 stem to 32 channels; 17 inverted residual
/// blocks from the (expansion t, channels c, repeats n, stride s) table of the paper; each block is a 1×1 expansion
/// (omitted when t = 1), a 3×3 depthwise conv and a linear 1×1 projection, BN after each conv, ReLU6 (written as
/// Clip(0, 6)) after the first two, and a residual add when the stride is 1 and the width is unchanged; then a 1×1 conv
/// to 1280, global average pool and a 1000-way dense layer. Input <c>input</c> [1,3,224,224], output <c>output</c> [1,1000].
/// </summary>
public static class MobileNetV2
{
    private static readonly (int T, int C, int N, int S)[] Settings =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    public static ZooGraph Build(int seed)
    {
        var graph = new ZooGraph("mobilenet_v2");
        var l = new ZooLayers(graph, seed);
        var x = graph.Input("input", 1, 3, 224, 224);

        x = l.Relu6("features.0.relu6", l.BatchNorm("features.0.bn", l.Conv("features.0.conv", x, 3, 32, k: 3, stride: 2, pad: 1), 32));
        int channels = 32, index = 1;
        foreach (var (t, c, n, s) in Settings)
        {
            for (int i = 0; i < n; i++, index++)
            {
                int stride = i == 0 ? s : 1, hidden = channels * t;
                var p = $"features.{index}.";
                var y = x;
                if (t != 1)
                {
                    y = l.Relu6(p + "expand.relu6", l.BatchNorm(p + "expand.bn", l.Conv(p + "expand.conv", y, channels, hidden, k: 1), hidden));
                }
                y = l.Conv(p + "depthwise.conv", y, hidden, hidden, k: 3, stride: stride, pad: 1, groups: hidden);
                y = l.Relu6(p + "depthwise.relu6", l.BatchNorm(p + "depthwise.bn", y, hidden));
                y = l.BatchNorm(p + "project.bn", l.Conv(p + "project.conv", y, hidden, c, k: 1), c, gammaScale: stride == 1 && channels == c ? 0.3f : 1f);
                x = stride == 1 && channels == c ? l.Add(p + "add", x, y) : y;
                channels = c;
            }
        }

        x = l.Relu6("features.18.relu6", l.BatchNorm("features.18.bn", l.Conv("features.18.conv", x, channels, 1280, k: 1), 1280));
        x = l.Flatten("flatten", l.GlobalAveragePool("pool", x));
        var output = l.Dense("output", x, 1280, 1000);
        graph.Output(output, 1, 1000);
        return graph;
    }
}
