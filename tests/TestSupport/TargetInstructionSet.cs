using WasmGraph.Abstractions.Plugins;
using Wasmtime;
using Xunit;

namespace WasmGraph.TestSupport;

/// <summary>
/// Whether a module stays inside its target profile's instruction set, decided by a real validator, Wasmtime's, with
/// the extensions the profile leaves out switched off: relaxed-SIMD for simd128; for mvp also SIMD128 (every v128
/// instruction, type and local), bulk memory, multi-value and reference types (and GC and typed function references,
/// which Wasmtime refuses to enable without reference types). Wasmtime cannot switch off sign extension and
/// non-trapping float-to-int, so those two are left to LLVM's feature flags.
/// </summary>
public static class TargetInstructionSet
{
    /// <summary>Null when <paramref name="module"/> validates with only <paramref name="profile"/>'s features, else the validator's message.</summary>
    public static string? Problem(byte[] module, TargetProfile profile)
    {
        using var config = new Config();
        if (profile != TargetProfiles.Relaxed)
        {
            config.WithRelaxedSIMD(false, false);
        }
        if (profile == TargetProfiles.Mvp)
        {
            config.WithGc(false).WithFunctionReferences(false).WithSIMD(false).WithBulkMemory(false).WithReferenceTypes(false).WithMultiValue(false);
        }
        using var engine = new Engine(config);
        return Module.Validate(engine, module);
    }

    /// <summary>Fails the test naming the profile and the validator's complaint when <paramref name="module"/> leaves <paramref name="profile"/>.</summary>
    public static void AssertWithin(byte[] module, TargetProfile profile, string what)
    {
        var problem = Problem(module, profile);
        Assert.True(problem is null, $"{what}: the {profile.Name} module uses instructions outside its profile: {problem}");
    }
}
