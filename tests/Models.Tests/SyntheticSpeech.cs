namespace WasmGraph.Models.Tests;

/// <summary>
/// A seeded, speech-like waveform for the audio models (no recording is served by the registries we fetch from): a
/// voiced sound whose pitch glides from 120 to 220 Hz with its first eight harmonics falling off as 1/k, a syllable-rate
/// (4 Hz) loudness envelope and a little white noise, in [−1, 1] at 16 kHz.
/// </summary>
public static class SyntheticSpeech
{
    public const int SampleRate = 16000;

    public static float[] Waveform(int samples, int seed = 11)
    {
        var random = new Random(seed);
        var wave = new float[samples];
        double phase = 0;
        for (int i = 0; i < samples; i++)
        {
            double t = (double)i / SampleRate;
            double pitch = 120 + 100 * i / (double)samples;
            phase += 2 * Math.PI * pitch / SampleRate;
            double voiced = 0;
            for (int k = 1; k <= 8; k++)
            {
                voiced += Math.Sin(k * phase) / k;
            }
            double envelope = 0.5 * (1 - Math.Cos(2 * Math.PI * 4 * t));
            wave[i] = (float)(0.25 * envelope * voiced + 0.01 * (random.NextDouble() * 2 - 1));
        }
        return wave;
    }
}
