namespace WasmGraph.Apps.Demo;

/// <summary>
/// The small amount of arithmetic the similarity demos do on model outputs, in double precision so that the comparison
/// with ONNX Runtime measures the models, not this code.
/// </summary>
public static class EmbeddingMath
{
    public static double Norm(IReadOnlyList<float> v)
    {
        double sum = 0;
        foreach (var x in v)
        {
            sum += (double)x * x;
        }
        return Math.Sqrt(sum);
    }

    /// <summary>cos(a, b) = a·b / (|a| |b|); 0 when either vector is all zeros.</summary>
    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"vectors of length {a.Count} and {b.Count}");
        }
        double dot = 0;
        for (int i = 0; i < a.Count; i++)
        {
            dot += (double)a[i] * b[i];
        }
        double norms = Norm(a) * Norm(b);
        return norms == 0 ? 0 : dot / norms;
    }

    /// <summary>The n×n matrix of pairwise cosine similarities, row-major.</summary>
    public static double[] CosineMatrix(IReadOnlyList<float[]> vectors)
    {
        int n = vectors.Count;
        var matrix = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                matrix[i * n + j] = i == j ? 1.0 : Cosine(vectors[i], vectors[j]);
            }
        }
        return matrix;
    }

    /// <summary>For each row, the index of the most similar other row (-1 when there is no other row).</summary>
    public static int[] NearestNeighbours(double[] matrix, int n)
        => Enumerable.Range(0, n)
                     .Select(i => Enumerable.Range(0, n).Where(j => j != i).DefaultIfEmpty(-1).MaxBy(j => j < 0 ? double.NegativeInfinity : matrix[i * n + j]))
                     .ToArray();

    /// <summary>
    /// Sentence-transformers mean pooling: the average of the token vectors whose attention mask is 1.
    /// <paramref name="hidden"/> is [batch, seq, dim] row-major; the result is one vector per batch row.
    /// </summary>
    public static float[][] MeanPool(float[] hidden, long[] mask, int batch, int seq, int dim)
    {
        var result = new float[batch][];
        for (int b = 0; b < batch; b++)
        {
            var sum = new double[dim];
            double count = 0;
            for (int t = 0; t < seq; t++)
            {
                if (mask[b * seq + t] == 0)
                {
                    continue;
                }
                count++;
                for (int d = 0; d < dim; d++)
                {
                    sum[d] += hidden[((long)b * seq + t) * dim + d];
                }
            }
            result[b] = sum.Select(s => (float)(s / Math.Max(count, 1e-9))).ToArray();
        }
        return result;
    }
}
