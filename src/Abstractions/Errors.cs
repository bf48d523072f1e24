namespace WasmGraph.Abstractions;

/// <summary>
/// A problem with what the user gave us (a model, an input file, a flag). The CLI prints <see cref="Exception.Message"/>
/// without a stack trace and exits with code 2. Anything else that escapes is an internal error (exit 1).
/// </summary>
public class WasmGraphException : Exception
{
    public WasmGraphException(string message, Exception? inner = null) : base(message, inner) { }

    public WasmGraphException() { }

    public WasmGraphException(string message) : base(message) { }
}

/// <summary>A model that cannot be read or compiled. The message names the file, the node and the op where known.</summary>
public class ModelException : WasmGraphException
{
    public ModelException(string message, string? file = null, string? node = null, string? op = null, Exception? inner = null)
        : base(Compose(message, file, node, op), inner)
    {
        File = file;
        NodeName = node;
        Op = op;
    }

    public ModelException() { }

    public ModelException(string message) : base(message) { }

    public ModelException(string message, Exception inner) : base(message, inner) { }

    public string? File { get; }
    public string? NodeName { get; }
    public string? Op { get; }

    private static string Compose(string message, string? file, string? node, string? op)
    {
        var where = new List<string>();
        if (file is not null) { where.Add(file); }
        if (node is not null) { where.Add($"node '{node}'"); }
        if (op is not null) { where.Add($"op {op}"); }
        return where.Count == 0 ? message : $"{string.Join(", ", where)}: {message}";
    }
}

/// <summary>An op (or an op configuration) that no stage of the pipeline can handle.</summary>
public sealed class UnsupportedOpException : ModelException
{
    public UnsupportedOpException(string op, int opset, string node, string? file = null, string? detail = null)
        : base($"unsupported: {op} (opset {opset}) at node {node}{(detail is null ? "" : $": {detail}")}", file, null, null)
    {
    }
}
