using Microsoft.Extensions.Configuration;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core.Tests;

/// <summary>
/// A before/after IR-text test of one pass (MLIR's FileCheck tests, TVM's <c>assert_structural_equal</c>): parse the
/// input, check that it verifies, run the pass alone, check that the result verifies and equals the expected text up to
/// renaming of internal values (<see cref="GraphComparison.UpToRenaming"/>), so expectations need not spell the names
/// a pass makes up (<c>w__0</c>) or its node names. No LLVM: these run in milliseconds; the numerical tests in
/// <c>*PassTests.cs</c> prove the rewrites compute the same numbers.
/// </summary>
internal static class IrTestCase
{
    /// <summary>The canonical attributes of a 2-D 1×1 Conv (docs/ir.md: every Conv attribute is explicit).</summary>
    public const string Conv1x1 = "dilations=[1,1], group=1, kernel_shape=[1,1], pads=[0,0,0,0], strides=[1,1]";

    /// <summary>Runs <paramref name="pass"/> on <paramref name="before"/> and compares with <paramref name="expected"/>.</summary>
    public static void Check(IPass pass, string before, string expected, params (string Key, string Value)[] options)
    {
        var after = Run(pass, before, options);
        var want = GraphText.Parse(expected);
        var difference = GraphEquality.FirstDifference(want, after, GraphComparison.UpToRenaming);
        Assert.True(difference is null,
                    $"after {pass.Name}: {difference}\n--- expected\n{want.Print(GraphTextOptions.Full)}--- actual\n{after.Print(GraphTextOptions.Full)}");
    }

    /// <summary>The pass leaves <paramref name="before"/> as it is (a negative case).</summary>
    public static void Unchanged(IPass pass, string before, params (string Key, string Value)[] options) => Check(pass, before, before, options);

    public static Graph Run(IPass pass, string before, params (string Key, string Value)[] options)
    {
        var input = GraphText.Parse(before);
        GraphVerifier.Verify(input, OpRegistry.Default, "parsing the test's input");
        var section = new ConfigurationBuilder().AddInMemoryCollection(options.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value))).Build();
        var after = pass.Run(input, new PassContext(OpRegistry.Default, section));
        GraphVerifier.Verify(after, OpRegistry.Default, pass.Name);
        return after;
    }
}
