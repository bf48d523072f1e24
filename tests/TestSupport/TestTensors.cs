using WasmGraph.Abstractions.Ir;

namespace WasmGraph.TestSupport;

/// <summary>Deterministic test data: the same seed gives the same tensor on every machine and run.</summary>
public static class TestTensors
{
    /// <summary>A float32 tensor of uniform values in [-1, 1].</summary>
    public static TensorData Random(Shape shape, int seed = 0)
    {
        var random = new Random(seed);
        var values = new float[checked((int)shape.ElementCount)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle() * 2f - 1f;
        }
        return TensorData.FromFloats(shape, values);
    }

    public static TensorData Random(long[] dims, int seed = 0) => Random(new Shape(dims), seed);
}
