using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

// Copies embedded resources out of a .NET assembly without loading it (no code runs, any target framework works):
//   ExtractResources ASSEMBLY.dll RESOURCE-SUFFIX=OUTPUT-FILE...
// Each suffix must match exactly one manifest resource name (e.g. "Resources.model.onnx"). Embedded resources are
// stored uncompressed in the PE's CLI resources directory as a 4-byte little-endian length followed by the bytes, so
// reading them through System.Reflection.Metadata is exact. Outputs are written to a temporary file, then renamed.
if (args.Length < 2 || args.Skip(1).Any(a => !a.Contains('=', StringComparison.Ordinal)))
{
    Console.Error.WriteLine("usage: ExtractResources ASSEMBLY.dll RESOURCE-SUFFIX=OUTPUT-FILE...");
    return 2;
}
if (!File.Exists(args[0]))
{
    Console.Error.WriteLine($"error: {args[0]} not found");
    return 2;
}

using var stream = File.OpenRead(args[0]);
using var pe = new PEReader(stream);
var metadata = pe.GetMetadataReader();
var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
var resources = metadata.ManifestResources.Select(metadata.GetManifestResource)
    .Where(r => r.Implementation.IsNil) // embedded in this file, not linked from another
    .Select(r => (Name: metadata.GetString(r.Name), r.Offset))
    .ToList();

foreach (var request in args.Skip(1))
{
    var (suffix, output) = (request[..request.IndexOf('=', StringComparison.Ordinal)], request[(request.IndexOf('=', StringComparison.Ordinal) + 1)..]);
    var matches = resources.Where(r => r.Name.EndsWith(suffix, StringComparison.Ordinal)).ToList();
    if (matches.Count != 1)
    {
        Console.Error.WriteLine($"error: {matches.Count} resources of {args[0]} end with '{suffix}'; it has: "
                                + string.Join(", ", resources.Select(r => r.Name)));
        return 2;
    }
    var block = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader(0, directory.Size);
    block.Offset = checked((int)matches[0].Offset);
    var length = block.ReadInt32();
    var bytes = block.ReadBytes(length);

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    var partial = output + ".partial";
    File.WriteAllBytes(partial, bytes);
    File.Move(partial, output, overwrite: true);
    Console.WriteLine($"{matches[0].Name} -> {output} ({bytes.Length} bytes)");
}
return 0;
