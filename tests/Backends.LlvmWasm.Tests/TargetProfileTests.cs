using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests;

/// <summary>
/// Each target profile (<see cref="TargetProfiles"/>) is a feature set the kernels can be compiled for, and its module
/// really keeps to the profile's instruction set: Wasmtime's validator, with the extensions the profile leaves out
/// switched off, accepts it (<see cref="TargetInstructionSet"/>), and refuses the next faster profile's module, so the
/// check is not one that always passes. The model goes through the kernels that use relaxed_madd (dense and depthwise
/// convolution, MatMul), vector min/max, exp (Softmax), and whole-tensor copies (memory.copy with bulk memory).
/// </summary>
public sealed class TargetProfileTests
{
    public static readonly TheoryData<string> Profiles = new() { "relaxed", "simd128", "mvp" };

    private static TargetProfile Profile(string name) => TargetProfiles.All.Single(p => p.Name == name);

    [Theory]
    [InlineData("relaxed", true, true, true)]
    [InlineData("simd128", true, false, true)]
    [InlineData("mvp", false, false, false)]
    public void EachProfilesFeaturesAreAcceptedAndGiveTheKernelsWhatTheProfileAllows(string name, bool simd, bool relaxed, bool bulkMemory)
    {
        var features = WasmFeatures.Parse(Profile(name).Features);
        Assert.Equal((simd, relaxed, bulkMemory), (features.Simd128, features.RelaxedSimd, features.BulkMemory));
        new LlvmWasmBackend().CheckOptions(new BackendOptions { Features = Profile(name).Features });
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void EachProfilesModuleKeepsToItsInstructionSetRecordsItAndMatchesOnnxRuntime(string name)
    {
        var profile = Profile(name);
        var onnx = Model().ToBytes();
        var inputs = OpHarness.Inputs(("x", TestTensors.Random([1, 8, 10, 10], seed: 1)));

        var artifact = WasmPipeline.Compile(WasmPipeline.Import(onnx), new BackendOptions { Features = profile.Features });

        TargetInstructionSet.AssertWithin(artifact.Bytes, profile, "convolutions, MatMul, Softmax, min/max, copies");
        Assert.Equal((name, profile.Features), (artifact.Metadata.Target, artifact.Metadata.Features));
        OpHarness.AssertMatchesOnnxRuntime(Model(), inputs, options: new BackendOptions { Features = profile.Features });
    }

    [Theory]
    [InlineData("relaxed", "simd128", "relaxed")]
    [InlineData("simd128", "mvp", "SIMD")]
    public void AFasterProfilesModuleFailsTheSlowerProfilesCheck(string compiledFor, string checkedAgainst, string complaint)
    {
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(Model().ToBytes()), new BackendOptions { Features = Profile(compiledFor).Features });

        var problem = TargetInstructionSet.Problem(artifact.Bytes, Profile(checkedAgainst));

        Assert.NotNull(problem);
        Assert.Contains(complaint, problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void FeaturesThatAreNoProfilesAreRecordedAsCustom()
    {
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(Model().ToBytes()), new BackendOptions { Features = "+simd128" });
        Assert.Equal(("custom", "+simd128"), (artifact.Metadata.Target, artifact.Metadata.Features));
    }

    private static OnnxModelBuilder Model() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 1, 8, 10, 10)
        .Initializer("w1", TestTensors.Random([16, 8, 3, 3], seed: 2))
        .Initializer("b1", TestTensors.Random([16], seed: 3))
        .Initializer("w2", TestTensors.Random([16, 1, 3, 3], seed: 4))
        .Initializer("wg", TestTensors.Random([400, 12], seed: 5))
        .Node("Conv", ["x", "w1", "b1"], ["dense"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .Node("Conv", ["dense", "w2"], ["depthwise"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Int("group", 16))
        .Node("Max", ["dense", "depthwise"], ["max"])
        .Node("MaxPool", ["max"], ["pooled"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
        .Node("Flatten", ["pooled"], ["flat"])
        .Node("MatMul", ["flat", "wg"], ["logits"])
        .Node("Softmax", ["logits"], ["y"], OnnxAttr.Int("axis", 1))
        .Node("Transpose", ["pooled"], ["nhwc"], OnnxAttr.Ints("perm", 0, 2, 3, 1))
        .Node("Concat", ["pooled", "pooled"], ["both"], OnnxAttr.Int("axis", 1))
        .Output("y", DataType.Float32)
        .Output("nhwc", DataType.Float32)
        .Output("both", DataType.Float32);
}
