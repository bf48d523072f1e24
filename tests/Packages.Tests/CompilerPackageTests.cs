namespace WasmGraph.Packages.Tests;

/// <summary>
/// WasmGraph.Compiler from a fresh console application: it compiles an ONNX model from code with the CLI's pipeline and
/// built-in plugins (copied into wasmgraph/ beside the app), and the module it writes runs through WasmGraph.Runtime
/// with ONNX Runtime's numbers.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public sealed class CompilerPackageTests(LocalFeed feed)
{
    private const string Program = """
        using System.Globalization;
        using WasmGraph.Abstractions.Ir;
        using WasmGraph.Compiler;
        using WasmGraph.Runtime;

        var result = await WasmGraphCompiler.CompileAsync(args[0], args[1], new CompilerOptions { VerifyEach = true });
        Console.WriteLine($"compiled: {result.Artifact.Bytes.Length} bytes, stages {string.Join(",", result.Stages.Select(s => s.Stage))}");

        using var model = WasmGraphModel.Load(args[1]);
        var x = TensorData.FromFloats(new Shape(model.Inputs[0].Shape), args[2..].Select(a => float.Parse(a, CultureInfo.InvariantCulture)).ToArray());
        Console.WriteLine($"y: {string.Join(" ", model.Run(x).ToFloatArray().Select(v => v.ToString(CultureInfo.InvariantCulture)))}");
        """;

    [Fact]
    public void AConsoleAppCompilesAModelFromCodeAndRunsIt()
    {
        var model = new TinyModel();
        var app = feed.NewConsoleApp("CompileApp", ["WasmGraph.Compiler", "WasmGraph.Runtime"], Program);
        var onnx = model.SaveOnnx(app);
        var module = Path.Combine(app, "out", "model.wasm");
        Directory.CreateDirectory(Path.GetDirectoryName(module)!);

        var dll = feed.Build(app);
        var run = DotnetProcess.Dotnet(app, feed.Environment, [dll, onnx, module, .. TinyModel.InputArguments]).Succeeds("the compiler app");

        Assert.Contains("compiled: ", run.StdOut);
        Assert.Contains("frontend,fuse-qdq,fold-constants,", run.StdOut);   // the CLI's default pipeline, from the package's appsettings.json
        Assert.True(new FileInfo(module).Length > 0);
        model.AssertPrinted(run.StdOut);
        var home = Path.Combine(Path.GetDirectoryName(dll)!, "wasmgraph");
        Assert.True(File.Exists(Path.Combine(home, "appsettings.json")));
        Assert.True(File.Exists(Path.Combine(home, "plugins", "Backends.LlvmWasm", "WasmGraph.Backends.LlvmWasm.dll")));
    }

    [Fact]
    public void AMissingModelIsAWasmGraphExceptionNamingTheFile()
    {
        var app = feed.NewConsoleApp("CompileMissing", ["WasmGraph.Compiler"], """
            try
            {
                await WasmGraph.Compiler.WasmGraphCompiler.CompileAsync(args[0], "out.wasm");
            }
            catch (WasmGraph.Abstractions.WasmGraphException e)
            {
                Console.WriteLine("refused: " + e.Message);
            }
            """);
        var dll = feed.Build(app);
        var missing = Path.Combine(app, "no-such-model.onnx");

        var run = DotnetProcess.Dotnet(app, feed.Environment, dll, missing).Succeeds("the compiler app");

        Assert.Contains("refused: ", run.StdOut);
        Assert.Contains(missing, run.StdOut);
        Assert.False(File.Exists(Path.Combine(app, "out.wasm")));
    }
}
