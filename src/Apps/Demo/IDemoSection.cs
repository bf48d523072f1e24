namespace WasmGraph.Apps.Demo;

/// <summary>
/// One part of <c>wasmgraph demo</c> (one file each): it loads its models through the <see cref="DemoSession"/>, prints
/// its results as tables, records every number it prints in the report, and checks each against ONNX Runtime.
/// </summary>
public interface IDemoSection
{
    /// <summary>Kebab-case name, used by <c>demo --only</c> and as the report key.</summary>
    string Name { get; }

    string Title { get; }

    /// <summary>Why the section cannot run with this data (a model not fetched), or null when it can.</summary>
    string? Unavailable(DemoData data);

    void Run(DemoSession session, CancellationToken cancellation);
}
