using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Cli;
using WasmGraph.Host.IO;
using WasmGraph.Host.Tests;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>A model compiled once through the CLI with <c>--target all</c>: one module per target profile.</summary>
public abstract class TargetSetModule(string model, string name, params string[] compileArgs) : IDisposable
{
    public CliModel Compiled { get; } = new(model, name, ["--target", "all", .. compileArgs]);

    /// <summary>The module of <paramref name="profile"/>, by the documented naming scheme.</summary>
    public string ModuleOf(TargetProfile profile) => TargetProfiles.PathFor(Compiled.Module, profile);

    /// <summary>Runs <paramref name="profile"/>'s module through the CLI on <paramref name="inputs"/>; every output by name.</summary>
    public Dictionary<string, TensorData> Run(TargetProfile profile, IReadOnlyDictionary<string, TensorData> inputs)
    {
        using var files = TestPaths.NewTempDirectory();
        var args = new List<string> { "run", ModuleOf(profile), "--output-dir", files.File("out") };
        foreach (var (input, tensor) in inputs)
        {
            NpyFile.Write(files.File(input + ".npy"), tensor);
            args.AddRange(["--input", $"{input}={files.File(input + ".npy")}"]);
        }
        var result = HostProcess.Run([.. args], null, timeoutSeconds: 300);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Compiled.Metadata.Outputs.ToDictionary(o => o.Name, o => NpyFile.Read(files.File("out/" + TensorStats.SafeFileName(o.Name) + ".npy")));
    }

    public void Dispose()
    {
        Compiled.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class ResNet18TargetSet() : TargetSetModule(Path.Combine(CliModel.Data, "resnet18", "ResNet18.onnx"), "resnet18");

public sealed class MiniLmTargetSet() : TargetSetModule(Path.Combine(MiniLmModule.Directory, "model.onnx"), "minilm",
    "--input-shape", $"input_ids=1,{MiniLmModule.Sequence}", "--input-shape", $"attention_mask=1,{MiniLmModule.Sequence}",
    "--input-shape", $"token_type_ids=1,{MiniLmModule.Sequence}");

/// <summary>
/// Issue 12, item 1: each target profile compiles the bench's real models, keeps to its instruction set (Wasmtime's
/// validator with the left-out extensions off, <see cref="TargetInstructionSet"/>) and computes what ONNX Runtime
/// computes. Stated tolerance, the one the other model tests use: max |wasm − ORT| ≤ 1e-3 × max |ORT| per output.
/// </summary>
public sealed class TargetProfileModelTests(ResNet18TargetSet resnet18, MiniLmTargetSet minilm, ITestOutputHelper log)
    : IClassFixture<ResNet18TargetSet>, IClassFixture<MiniLmTargetSet>
{
    private const double Tolerance = 1e-3;

    public static readonly TheoryData<string> Profiles = new() { "relaxed", "simd128", "mvp" };

    private static TargetProfile Profile(string name) => TargetProfiles.All.Single(p => p.Name == name);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void TheResNet18FeaturizerForEachProfileKeepsToItsInstructionSetAndMatchesOnnxRuntime(string name)
    {
        var profile = Profile(name);
        var module = File.ReadAllBytes(resnet18.ModuleOf(profile));
        TargetInstructionSet.AssertWithin(module, profile, "ResNet18");
        Assert.Equal(name, WasmModuleReader.ReadMetadata(module, name).Target);

        var input = resnet18.Compiled.Metadata.Inputs.Single();
        var inputs = new Dictionary<string, TensorData> { [input.Name] = TestTensors.Random(input.Shape.ToArray(), seed: 11) };
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(resnet18.Compiled.Model), inputs);
        Parity.AssertClose(expected, resnet18.Run(profile, inputs), Tolerance, $"ResNet18 featurizer ({name})", log);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void MiniLmForEachProfileKeepsToItsInstructionSetAndMatchesOnnxRuntime(string name)
    {
        var profile = Profile(name);
        var module = File.ReadAllBytes(minilm.ModuleOf(profile));
        TargetInstructionSet.AssertWithin(module, profile, "MiniLM");
        Assert.Equal(name, WasmModuleReader.ReadMetadata(module, name).Target);

        var inputs = MiniLmTests.Tokenize("WebAssembly modules run in a sandbox, in browsers and on servers alike.");
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(minilm.Compiled.Model), inputs);
        Parity.AssertClose(expected, minilm.Run(profile, inputs), Tolerance, $"MiniLM ({name})", log);
    }
}
