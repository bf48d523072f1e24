using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Host.Plugins;

/// <summary>
/// Builds the host's op registry: the standard op set plus every <see cref="OpDefinition"/> a plugin registered with
/// <c>services.AddOps(...)</c>. The host passes this registry to the frontend (<c>FrontendOptions.Registry</c>), the
/// passes (<c>PassContext.Registry</c>) and, through DI, the backend, so an op a plugin adds is imported, verified,
/// folded and lowered like a standard one.
/// </summary>
public static class PluginOps
{
    public static OpRegistry Registry(PluginReport report)
    {
        var added = report.Registrations
            .Where(r => r.Descriptor.ServiceType == typeof(OpDefinition) && r.Descriptor.ImplementationInstance is OpDefinition)
            .Select(r => (Op: (OpDefinition)r.Descriptor.ImplementationInstance!, r.Plugin))
            .ToList();
        // The registry refuses a second definition too; here the message can say whose definitions clash.
        var owners = OpRegistry.Default.All.ToDictionary(o => o.Name, _ => "the standard op set", StringComparer.Ordinal);
        foreach (var (op, plugin) in added)
        {
            if (owners.TryGetValue(op.Name, out var first))
            {
                throw new WasmGraphException($"op '{op.Name}' is defined by plugin '{plugin}' and by {first}; an op name can be defined only once");
            }
            owners[op.Name] = $"plugin '{plugin}'";
        }
        return OpRegistry.Default.With(added.Select(a => a.Op).ToArray());
    }
}
