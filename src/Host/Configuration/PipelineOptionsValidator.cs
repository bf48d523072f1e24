using Microsoft.Extensions.Options;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Configuration;

/// <summary>Which parts of the pipeline a command needs; only those are checked against the loaded plugins.</summary>
[Flags]
public enum PipelineStages
{
    None = 0,
    Compile = 1,
    Run = 2,
}

/// <summary>
/// Checks the <c>Pipeline</c> section at start-up (<c>ValidateOnStart</c>): every name must match a loaded component,
/// the passes must keep the order they declare (<see cref="PassOrder"/>: each <see cref="IPass.Requires"/> present and
/// earlier, each <see cref="IPass.RunsAfter"/> earlier when present), and numbers must be in range. Only the stages
/// the command needs are checked, so <c>run</c> works on a machine that has a runtime but no backend.
/// </summary>
public sealed class PipelineOptionsValidator : IValidateOptions<PipelineOptions>
{
    private readonly ComponentCatalog _catalog;
    private readonly PipelineStages _needs;

    public PipelineOptionsValidator(ComponentCatalog catalog, PipelineStages needs)
    {
        _catalog = catalog;
        _needs = needs;
    }

    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        var failures = new List<string>();
        if (options.Backend.OptLevel is < 0 or > 3)
        {
            failures.Add($"Pipeline:Backend:OptLevel must be 0, 1, 2 or 3, not {options.Backend.OptLevel}");
        }
        if (_needs.HasFlag(PipelineStages.Compile))
        {
            CheckName<IFrontend>(options.Frontend, "Pipeline:Frontend", failures);
            CheckName<IBackend>(options.Backend.Name, "Pipeline:Backend:Name", failures);
            CheckPasses(options.Passes, failures);
        }
        if (_needs.HasFlag(PipelineStages.Run))
        {
            CheckName<IRuntime>(options.Runtime.Name, "Pipeline:Runtime:Name", failures);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void CheckName<T>(string name, string key, List<string> failures) where T : class, IComponent
    {
        if (_catalog.Find<T>(name) is null)
        {
            failures.Add(_catalog.UnknownMessage<T>(name, key));
        }
    }

    private void CheckPasses(IReadOnlyList<string> passes, List<string> failures)
    {
        for (int i = 0; i < passes.Count; i++)
        {
            if (_catalog.Find<IPass>(passes[i]) is null)
            {
                failures.Add(_catalog.UnknownMessage<IPass>(passes[i], $"Pipeline:Passes:{i}"));
            }
        }
        failures.AddRange(PassOrder.Check(passes, _catalog.Find<IPass>));
    }
}
