using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>The real BlazeFace detector compiled with <c>compile --threads 3</c> (issue 15).</summary>
public sealed class ThreadedBlazeFaceModule : IDisposable
{
    public CliModel Compiled { get; } = new(BlazeFaceModule.Path, "blazeface-threads",
        "--threads", "3", "--hint", "layout=NHWC", "--hint", "channel_order=RGB", "--hint", "scale=1/127.5", "--hint", "mean=1,1,1", "--hint", "std=1,1,1");

    public void Dispose() => Compiled.Dispose();
}

/// <summary>
/// A small real model as a threaded module, run through the CLI (<c>run --threads K</c>) with 1, 2 and 3 workers:
/// each matches ONNX Runtime within BlazeFace's stated tolerance, and the worker counts agree within 1e-5 of max |1-worker output|.
/// </summary>
public sealed class ThreadedModelTests : IClassFixture<ThreadedBlazeFaceModule>
{
    private readonly CliModel _model;
    private readonly ITestOutputHelper _log;

    public ThreadedModelTests(ThreadedBlazeFaceModule module, ITestOutputHelper log)
    {
        _model = module.Compiled;
        _log = log;
    }

    [Fact]
    public void BlazeFaceGivesOnnxRuntimesDetectionsOnEveryWorkerCount()
    {
        var path = Path.Combine(CliModel.Data, "images", "astronaut.png");
        var metadata = _model.Metadata;
        Assert.Equal(3, metadata.Threads);
        var input = metadata.Inputs.Single();
        var tensor = ImageLoader.Load(path, input, ImagePreprocessing.FromHints(metadata.Hints, input.Shape));
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(_model.Model), new Dictionary<string, TensorData> { [input.Name] = tensor });

        var one = _model.Run("--image", path, "--threads", "1");
        foreach (var workers in new[] { "1", "2", "3" })
        {
            var actual = workers == "1" ? one : _model.Run("--image", path, "--threads", workers);
            Parity.AssertClose(expected, actual, 1e-3, $"BlazeFace with {workers} workers", _log);
            foreach (var (name, reference) in one)
            {
                TensorAssert.Close(reference, actual[name], 1e-5, $"output '{name}', {workers} workers against 1");
            }
        }
    }
}
