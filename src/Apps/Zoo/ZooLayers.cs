namespace WasmGraph.Apps.Zoo;

/// <summary>
/// CNN layers with seeded weights, written into a <see cref="ZooGraph"/>. The initialisation is chosen so that
/// activations stay O(1) through 50+ layers of random weights, which is what makes a top-5 comparison between two
/// engines meaningful (logits that blow up or vanish would turn rounding into rank swaps):
/// <list type="bullet">
/// <item>conv weights are He-normal, std √(2 / fan_in), which keeps E[x²] roughly constant across conv + ReLU;</item>
/// <item>BatchNormalization gets plausible trained-looking statistics (γ≈1, β≈0, running mean ≈0, running variance
/// ≈2, the variance a He conv produces from unit input), so fold-batchnorm has real work to do and the scale stays put;</item>
/// <item>the last BN of a residual branch can be damped (<c>gammaScale</c>), as in "zero-γ" ResNet training, so a sum
/// of 16 residual blocks grows slowly instead of exponentially.</item>
/// </list>
/// The same seed always gives the same bytes (System.Random with a seed is a fixed algorithm).
/// </summary>
public sealed class ZooLayers
{
    private readonly Random _random;

    public ZooLayers(ZooGraph graph, int seed)
    {
        Graph = graph;
        _random = new Random(seed);
    }

    public ZooGraph Graph { get; }

    /// <summary>Conv with square kernel <paramref name="k"/>, symmetric padding and optional groups (depthwise when groups = channels).</summary>
    public string Conv(string name, string x, int inChannels, int outChannels, int k, int stride = 1, int pad = 0, int groups = 1, bool bias = false)
    {
        int fanIn = inChannels / groups * k * k;
        var w = Graph.Initializer(name + "_weight", [outChannels, inChannels / groups, k, k],
                                  Normal(outChannels * fanIn, MathF.Sqrt(2f / fanIn)));
        string[] inputs = bias ? [x, w, Graph.Initializer(name + "_bias", [outChannels], Uniform(outChannels, -0.05f, 0.05f))] : [x, w];
        return Graph.Node("Conv", name, inputs,
                          ZooAttribute.Of("kernel_shape", k, k), ZooAttribute.Of("strides", stride, stride),
                          ZooAttribute.Of("pads", pad, pad, pad, pad), ZooAttribute.Of("group", (long)groups));
    }

    public string BatchNorm(string name, string x, int channels, float gammaScale = 1f)
    {
        var gamma = Uniform(channels, 0.8f, 1.2f).Select(g => g * gammaScale).ToArray();
        return Graph.Node("BatchNormalization", name,
        [
            x,
            Graph.Initializer(name + "_gamma", [channels], gamma),
            Graph.Initializer(name + "_beta", [channels], Uniform(channels, -0.1f, 0.1f)),
            Graph.Initializer(name + "_running_mean", [channels], Uniform(channels, -0.1f, 0.1f)),
            Graph.Initializer(name + "_running_var", [channels], Uniform(channels, 1.5f, 2.5f)),
        ], ZooAttribute.Of("epsilon", 1e-5f), ZooAttribute.Of("momentum", 0.9f));
    }

    public string Relu(string name, string x) => Graph.Node("Relu", name, [x]);

    /// <summary>ReLU6 as ONNX exporters write it: Clip with constant min 0 and max 6 inputs (opset ≥ 11).</summary>
    public string Relu6(string name, string x)
    {
        _relu6Bounds ??= (Graph.Initializer("relu6_min", [], [0f]), Graph.Initializer("relu6_max", [], [6f]));
        return Graph.Node("Clip", name, [x, _relu6Bounds.Value.Min, _relu6Bounds.Value.Max]);
    }

    public string Add(string name, string a, string b) => Graph.Node("Add", name, [a, b]);

    public string MaxPool(string name, string x, int k, int stride, int pad = 0, bool ceil = false)
        => Graph.Node("MaxPool", name, [x], ZooAttribute.Of("kernel_shape", k, k), ZooAttribute.Of("strides", stride, stride),
                      ZooAttribute.Of("pads", pad, pad, pad, pad), ZooAttribute.Of("ceil_mode", ceil ? 1L : 0L));

    public string GlobalAveragePool(string name, string x) => Graph.Node("GlobalAveragePool", name, [x]);

    public string Flatten(string name, string x) => Graph.Node("Flatten", name, [x], ZooAttribute.Of("axis", 1L));

    public string Concat(string name, params string[] inputs) => Graph.Node("Concat", name, inputs, ZooAttribute.Of("axis", 1L));

    /// <summary>A fully connected layer as Gemm with weights [out, in] (transB), Xavier-normal so logits are O(1).</summary>
    public string Dense(string name, string x, int inFeatures, int outFeatures)
    {
        var w = Graph.Initializer(name + "_weight", [outFeatures, inFeatures], Normal(outFeatures * inFeatures, MathF.Sqrt(1f / inFeatures)));
        var b = Graph.Initializer(name + "_bias", [outFeatures], Uniform(outFeatures, -0.05f, 0.05f));
        return Graph.Node("Gemm", name, [x, w, b], ZooAttribute.Of("transB", 1L));
    }

    private (string Min, string Max)? _relu6Bounds;

    private float[] Normal(int count, float std)
    {
        var values = new float[count];
        for (int i = 0; i < count; i += 2)
        {
            // Box–Muller: two independent standard normals from two uniforms in (0, 1].
            double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)), theta = 2.0 * Math.PI * u2;
            values[i] = (float)(r * Math.Cos(theta)) * std;
            if (i + 1 < count)
            {
                values[i + 1] = (float)(r * Math.Sin(theta)) * std;
            }
        }
        return values;
    }

    private float[] Uniform(int count, float low, float high)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = low + (high - low) * _random.NextSingle();
        }
        return values;
    }
}
