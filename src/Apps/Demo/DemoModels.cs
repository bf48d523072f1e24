using System.Security.Cryptography;
using System.Text;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// Compiles each demo model once and reuses the module until the model files or the compiler change: the cache key
/// hashes the request (model paths, sizes and times, hints, pinned input shapes) and the build of every loaded plugin.
/// </summary>
public sealed class DemoModels
{
    private readonly CompilePipeline _pipeline;
    private readonly string _cacheDirectory;

    public DemoModels(CompilePipeline pipeline, string cacheDirectory)
    {
        _pipeline = pipeline;
        _cacheDirectory = cacheDirectory;
    }

    /// <summary>The module path, whether it came from the cache, and the compile result when it did not.</summary>
    public (string Path, CompileResult? Compiled) Get(string name, CompileRequest request)
    {
        var key = Key(request);
        var path = Path.Combine(_cacheDirectory, $"{name}-{key}.wasm");
        if (File.Exists(path))
        {
            return (path, null);
        }
        Directory.CreateDirectory(_cacheDirectory);
        return (path, _pipeline.Compile(request with { OutputPath = path }));
    }

    private string Key(CompileRequest request)
    {
        var text = new StringBuilder();
        foreach (var file in new[] { request.ModelPath, request.PrependModelPath }.OfType<string>())
        {
            var info = new FileInfo(file);
            text.Append(info.FullName).Append(info.Length).Append(info.LastWriteTimeUtc.Ticks);
        }
        foreach (var (k, v) in request.Hints.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            text.Append(k).Append('=').Append(v);
        }
        foreach (var (input, dims) in request.InputShapes.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(input).Append(':').AppendJoin(',', dims);
        }
        foreach (var (input, dims) in request.InputShapeMinimums.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(input).Append(">=").AppendJoin(',', dims);
        }
        text.Append(string.Join(",", _pipeline.Options.Passes)).Append(_pipeline.Options.Backend.OptLevel).Append(_pipeline.Options.Backend.Features).Append(_pipeline.Options.Backend.ConvAlgorithm);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name?.StartsWith("WasmGraph", StringComparison.Ordinal) == true))
        {
            if (!string.IsNullOrEmpty(assembly.Location))
            {
                text.Append(assembly.GetName().Name).Append(File.GetLastWriteTimeUtc(assembly.Location).Ticks);
            }
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
    }
}
