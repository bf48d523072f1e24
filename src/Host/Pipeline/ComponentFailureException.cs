using WasmGraph.Abstractions;

namespace WasmGraph.Host.Pipeline;

/// <summary>
/// A frontend, pass, backend or runtime threw something other than a <see cref="WasmGraphException"/>, or returned null
/// where its contract promises a value: a bug in that component, not a problem with the user's model. It carries the
/// component's kind, name and plugin so the report says whom to blame ("internal error in pass 'x' (plugin Y)")
/// instead of pointing at the host; exit code 1. Raised by <see cref="Plugins.GuardedComponent"/>.
/// </summary>
public sealed class ComponentFailureException : Exception
{
    public ComponentFailureException(string kind, string component, string plugin, Exception inner)
        : base($"{kind} '{component}' (plugin {plugin}) failed: {inner.GetType().FullName}: {inner.Message}", inner)
    {
        Kind = kind;
        Component = component;
        Plugin = plugin;
    }

    public ComponentFailureException() { }

    public ComponentFailureException(string message) : base(message) { }

    public ComponentFailureException(string message, Exception inner) : base(message, inner) { }

    public string Kind { get; } = "component";
    public string Component { get; } = "?";
    public string Plugin { get; } = "?";

    /// <summary>Runs <paramref name="work"/>, wrapping any exception that is not a user error or a cancellation.</summary>
    public static T Guard<T>(string kind, string component, string plugin, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (e is not WasmGraphException and not OperationCanceledException and not ComponentFailureException)
        {
            throw new ComponentFailureException(kind, component, plugin, e);
        }
    }
}
