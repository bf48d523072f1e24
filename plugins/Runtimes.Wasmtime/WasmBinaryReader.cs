using System.Text;
using WasmGraph.Abstractions;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>A custom section: its name and its content (a slice of the module bytes, not a copy).</summary>
public sealed record WasmCustomSection(string Name, ReadOnlyMemory<byte> Content);

/// <summary>What <see cref="WasmBinaryReader"/> learns from a module's section headers.</summary>
public sealed record WasmModuleInfo(IReadOnlyList<WasmCustomSection> CustomSections, int ImportCount)
{
    /// <summary>
    /// The content of the custom section called <paramref name="name"/>, or null if there is none. The wasm spec
    /// allows repeated custom sections, but two metadata sections would be ambiguous, so a repeat is an error.
    /// </summary>
    public ReadOnlyMemory<byte>? FindCustomSection(string name)
    {
        ReadOnlyMemory<byte>? found = null;
        foreach (var section in CustomSections)
        {
            if (section.Name == name)
            {
                if (found is not null)
                {
                    throw new WasmGraphException($"module has more than one '{name}' custom section");
                }
                found = section.Content;
            }
        }
        return found;
    }
}

/// <summary>
/// Walks the section headers of a WebAssembly binary without trusting any length in it. We read the metadata and
/// reject imports ourselves, before Wasmtime sees the bytes, so that a foreign or damaged file gets a message in our
/// terms rather than a compiler error, and so that nothing is compiled for a module we would refuse anyway.
/// Section contents other than custom names and the import count are left to Wasmtime's validator.
/// </summary>
public static class WasmBinaryReader
{
    private const byte CustomSectionId = 0;
    private const byte ImportSectionId = 2;

    /// <summary>The highest section id in the core spec with its current proposals (13 = tag).</summary>
    private const byte LastKnownSectionId = 13;

    private static readonly byte[] Magic = "\0asm"u8.ToArray();

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the section headers of <paramref name="module"/>; throws <see cref="WasmGraphException"/> if they are malformed.</summary>
    public static WasmModuleInfo Read(ReadOnlyMemory<byte> module)
    {
        var bytes = module.Span;
        if (bytes.Length < 8)
        {
            throw Invalid($"it is {bytes.Length} bytes long, shorter than the 8-byte header");
        }
        if (!bytes[..4].SequenceEqual(Magic))
        {
            throw Invalid("it does not start with the magic number \\0asm");
        }
        uint version = BitConverter.ToUInt32(bytes[4..8]);
        if (version != 1)
        {
            // Components share the magic number and put their layer number (1) in the upper half of the version.
            throw Invalid((version >> 16) == 1
                ? "it is a WebAssembly component, not a core module"
                : $"binary format version {version} is not supported (expected 1)");
        }

        var customSections = new List<WasmCustomSection>();
        long importCount = 0;
        var cursor = new Cursor(bytes, 8);
        while (!cursor.AtEnd)
        {
            int sectionStart = cursor.Position;
            byte id = cursor.ReadByte("section id");
            uint size = cursor.ReadU32("section size");
            if (size > (uint)cursor.Remaining)
            {
                throw Invalid($"section {id} at offset {sectionStart} declares {size} bytes but only {cursor.Remaining} remain");
            }
            int contentStart = cursor.Position;
            int contentEnd = contentStart + (int)size;
            var content = new Cursor(bytes[..contentEnd], contentStart);
            switch (id)
            {
                case CustomSectionId:
                    string name = content.ReadName();
                    customSections.Add(new WasmCustomSection(name, module[content.Position..contentEnd]));
                    break;
                case ImportSectionId:
                    importCount += content.ReadU32("import count");
                    break;
                case > LastKnownSectionId:
                    throw Invalid($"unknown section id {id} at offset {sectionStart}");
            }
            cursor.Skip((int)size);
        }
        return new WasmModuleInfo(customSections, (int)Math.Min(importCount, int.MaxValue));
    }

    private static WasmGraphException Invalid(string why) => new($"not a valid WebAssembly module: {why}");

    /// <summary>A bounds-checked read position. Offsets in messages are absolute, counted from the module's start.</summary>
    private ref struct Cursor
    {
        private readonly ReadOnlySpan<byte> _data;

        public Cursor(ReadOnlySpan<byte> data, int position)
        {
            _data = data;
            Position = position;
        }

        public int Position { get; private set; }

        public readonly bool AtEnd => Position >= _data.Length;

        public readonly int Remaining => _data.Length - Position;

        public byte ReadByte(string what)
        {
            if (AtEnd)
            {
                throw Invalid($"unexpected end of data reading the {what} at offset {Position}");
            }
            return _data[Position++];
        }

        /// <summary>Unsigned LEB128, at most 5 bytes, with the unused bits of the fifth byte zero (as the spec demands).</summary>
        public uint ReadU32(string what)
        {
            int start = Position;
            uint result = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (AtEnd)
                {
                    throw Invalid($"the {what} at offset {start} is a truncated LEB128 number");
                }
                byte b = _data[Position++];
                if (shift == 28)
                {
                    if ((b & 0x80) != 0)
                    {
                        throw Invalid($"the {what} at offset {start} is longer than 5 bytes");
                    }
                    if ((b & 0x70) != 0)
                    {
                        throw Invalid($"the {what} at offset {start} does not fit in 32 bits");
                    }
                }
                result |= (uint)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }
        }

        public string ReadName()
        {
            int start = Position;
            uint length = ReadU32("custom section name length");
            if (length > (uint)Remaining)
            {
                throw Invalid($"the custom section name at offset {start} runs past the end of its section");
            }
            var raw = _data.Slice(Position, (int)length);
            Position += (int)length;
            try
            {
                return StrictUtf8.GetString(raw);
            }
            catch (DecoderFallbackException)
            {
                throw Invalid($"the custom section name at offset {start} is not valid UTF-8");
            }
        }

        public void Skip(int count) => Position += count;
    }
}
