using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Frontends.Onnx;
using WasmGraph.Passes.Core;
using WasmGraph.Runtimes.Wasmtime;
using Xunit.Abstractions;

namespace WasmGraph.Conformance.Tests;

/// <summary>
/// A sample of the ONNX node suite through each target profile (issue 12, item 1): every case the default (relaxed)
/// profile passes, simd128 and mvp pass too, with the suite's own tolerances. The sample covers each kernel family
/// whose code differs between profiles: the multiply-add kernels (convolutions, GEMM, MatMul, Einsum), vector min/max
/// and pooling, the polynomial maths (exp, erf, tanh, sigmoid), normalisations, float16 conversion and copies.
/// </summary>
public sealed class TargetProfileConformanceTests(ITestOutputHelper output)
{
    private static readonly string[] Sample =
    [
        "test_conv_with_strides_padding", "test_conv_with_autopad_same", "test_convtranspose", "test_convtranspose_pads",
        "test_gemm_all_attributes", "test_gemm_transposeB", "test_matmul_3d", "test_matmul_4d", "test_einsum_batch_matmul",
        "test_maxpool_2d_pads", "test_maxpool_2d_ceil", "test_averagepool_2d_pads_count_include_pad", "test_max_float32", "test_min_float32",
        "test_max_int8", "test_clip_splitbounds", "test_relu", "test_softmax_axis_1", "test_reduce_max_default_axes_keepdim_example",
        "test_layer_normalization_4d_axis1", "test_instancenorm_example", "test_lrn", "test_batchnorm_example",
        "test_sigmoid", "test_tanh", "test_erf", "test_exp", "test_softplus", "test_cast_FLOAT_to_FLOAT16", "test_cast_FLOAT16_to_FLOAT",
        "test_cumsum_2d_axis_1", "test_hardmax_axis_1", "test_div_bcast", "test_dequantizelinear", "test_gathernd_example_float32",
        "test_resize_upsample_scales_linear", "test_transpose_all_permutations_3", "test_concat_3d_axis_1",
    ];

    private static readonly Lazy<IReadOnlyList<ConformanceCase>> Cases = new(() =>
    {
        Assert.True(Directory.Exists(Path.Combine(RepoPaths.TestData, "node")), $"the ONNX test data is missing at {RepoPaths.TestData}; run ./wasmgraph fetch");
        var all = ConformanceCase.Discover(RepoPaths.TestData).Where(c => c.Suite == "node").ToDictionary(c => c.Name);
        return Sample.Where(all.ContainsKey).Select(n => all[n]).ToList();
    });

    private static readonly Lazy<IReadOnlyList<CaseResult>> Relaxed = new(() => RunFor(TargetProfiles.Relaxed));

    private static IReadOnlyList<CaseResult> RunFor(TargetProfile profile)
        => new ConformanceRunner(new OnnxFrontend(), [new FoldConstantsPass(), new FoldBatchNormPass(), new FuseActivationPass(), new EliminateDeadCodePass()],
                                 OpRegistry.Default, new LlvmWasmBackend(), new WasmtimeRuntime(), new BackendOptions { Features = profile.Features })
            .RunAll(Cases.Value, parallelism: Environment.ProcessorCount).Bound; // shape-deciding inputs bound, as the suite was sampled

    [Fact]
    public void TheSampleIsInTheSuiteAndTheDefaultProfilePassesNearlyAllOfIt()
    {
        Assert.True(Cases.Value.Count >= Sample.Length - 4, $"only {Cases.Value.Count} of the {Sample.Length} sampled cases are in the suite");
        var failed = Relaxed.Value.Where(r => r.Status != CaseStatus.Passed).Select(r => $"{r.Case.Name}: {r.Reason}").ToList();
        output.WriteLine($"relaxed: {Relaxed.Value.Count - failed.Count} of {Relaxed.Value.Count} pass");
        Assert.True(failed.Count <= 3, "the default profile fails:\n" + string.Join("\n", failed));
    }

    [Theory]
    [InlineData("simd128")]
    [InlineData("mvp")]
    public void EveryCaseTheRelaxedProfilePassesThisProfilePassesToo(string name)
    {
        var profile = TargetProfiles.All.Single(p => p.Name == name);

        var results = RunFor(profile).ToDictionary(r => r.Case.Id);

        var regressions = Relaxed.Value.Where(r => r.Status == CaseStatus.Passed && results[r.Case.Id].Status != CaseStatus.Passed)
            .Select(r => $"{r.Case.Name}: {results[r.Case.Id].Reason}").ToList();
        output.WriteLine($"{name}: {results.Values.Count(r => r.Status == CaseStatus.Passed)} of {results.Count} pass");
        Assert.True(regressions.Count == 0, $"{name} fails cases the relaxed profile passes:\n" + string.Join("\n", regressions));
    }
}
