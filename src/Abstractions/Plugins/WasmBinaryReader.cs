using System.Text;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// One section of a WebAssembly binary: its id, its name for custom sections, and where its payload (after the name,
/// for a custom section) lies in the module bytes.
/// </summary>
public sealed record WasmSection(byte Id, string? CustomName, int Offset, int Length)
{
    private static readonly string[] Names = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount", "tag"];

    public string Describe() => Id == 0 ? $"custom \"{CustomName}\"" : Id < Names.Length ? Names[Id] : $"id {Id}";
}

/// <summary>What <see cref="WasmBinaryReader"/> learns from a module's section headers.</summary>
public sealed record WasmModuleInfo(ReadOnlyMemory<byte> Bytes, IReadOnlyList<WasmSection> Sections, int ImportCount)
{
    /// <summary>
    /// The largest initial size, in bytes, of the 32-bit memories the module defines (0 if it defines none). Every
    /// tensor the ABI exposes must lie inside the exported memory when the instance starts (the runtime checks the
    /// exact addresses then), so this is an upper bound on any tensor the host may have to buffer, known before
    /// anything is compiled or allocated. 64-bit memories are not counted: the ABI refuses them.
    /// </summary>
    public long InitialMemoryBytes { get; init; }

    /// <summary>Whether the module has a memory section at all (a WasmGraph module does; a plugin's artifact may not).</summary>
    public bool DefinesMemory { get; init; }

    public IEnumerable<WasmSection> CustomSections => Sections.Where(s => s.Id == 0);

    /// <summary>
    /// The content of the custom section called <paramref name="name"/>, or null if there is none. The wasm spec
    /// allows repeated custom sections, but two metadata sections would be ambiguous, so a repeat is an error.
    /// </summary>
    public ReadOnlyMemory<byte>? FindCustomSection(string name)
    {
        WasmSection? found = null;
        foreach (var section in CustomSections)
        {
            if (section.CustomName == name)
            {
                if (found is not null)
                {
                    throw new WasmGraphException($"module has more than one '{name}' custom section");
                }
                found = section;
            }
        }
        // Spelled out: in "found is null ? null : slice" the null would become an empty memory (via byte[]), not "none".
        if (found is null)
        {
            return null;
        }
        return Bytes.Slice(found.Offset, found.Length);
    }
}

/// <summary>
/// Walks the section headers of a WebAssembly binary without trusting any length in it. The host (<c>run</c>,
/// <c>inspect</c>) and the runtime plugin both read modules through this one reader, so a foreign or damaged file gets
/// the same message in our terms everywhere, before Wasmtime sees the bytes and before anything is allocated from
/// what the module declares. Section contents other than custom names, the import count and the memory limits are left
/// to Wasmtime's validator.
/// </summary>
public static class WasmBinaryReader
{
    private const byte CustomSectionId = 0;
    private const byte ImportSectionId = 2;
    private const byte MemorySectionId = 5;

    /// <summary>The highest section id in the core spec with its current proposals (13 = tag).</summary>
    private const byte LastKnownSectionId = 13;

    /// <summary>A wasm32 memory has at most 65536 pages of 64 KiB: 4 GiB.</summary>
    public const long MaxMemory32Bytes = 65536L * PageBytes;

    private const long PageBytes = 65536;

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

        var sections = new List<WasmSection>();
        long importCount = 0;
        long initialMemory = 0;
        bool definesMemory = false;
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
                    sections.Add(new WasmSection(id, name, content.Position, contentEnd - content.Position));
                    break;
                case ImportSectionId:
                    importCount += content.ReadU32("import count");
                    sections.Add(new WasmSection(id, null, contentStart, (int)size));
                    break;
                case MemorySectionId:
                    initialMemory = Math.Max(initialMemory, content.ReadLargestInitialMemory());
                    definesMemory = true;
                    sections.Add(new WasmSection(id, null, contentStart, (int)size));
                    break;
                case > LastKnownSectionId:
                    throw Invalid($"unknown section id {id} at offset {sectionStart}");
                default:
                    sections.Add(new WasmSection(id, null, contentStart, (int)size));
                    break;
            }
            cursor.Skip((int)size);
        }
        return new WasmModuleInfo(module, sections, (int)Math.Min(importCount, int.MaxValue)) { InitialMemoryBytes = initialMemory, DefinesMemory = definesMemory };
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
        public uint ReadU32(string what) => (uint)ReadLeb(what, 32);

        /// <summary>
        /// The memory section (spec §5.5.7): a count, then limits per memory: a flags byte (bit 0: has a maximum, bit 1:
        /// shared, bit 2: 64-bit) and the LEB128 minimum and maximum page counts.
        /// </summary>
        public long ReadLargestInitialMemory()
        {
            uint count = ReadU32("memory count");
            long largest = 0;
            for (uint i = 0; i < count; i++)
            {
                int start = Position;
                byte flags = ReadByte("memory limits");
                if (flags > 7)
                {
                    throw Invalid($"the memory limits at offset {start} have unknown flags 0x{flags:X2}");
                }
                bool is64 = (flags & 4) != 0;
                ulong minimum = ReadLeb("memory minimum", is64 ? 64 : 32);
                if ((flags & 1) != 0)
                {
                    ReadLeb("memory maximum", is64 ? 64 : 32);
                }
                if (!is64)
                {
                    // Over 65536 pages Wasmtime refuses the module; capping keeps the bound meaningful until then.
                    largest = Math.Max(largest, (long)Math.Min(minimum * (ulong)PageBytes, (ulong)MaxMemory32Bytes));
                }
            }
            return largest;
        }

        private ulong ReadLeb(string what, int bits)
        {
            int start = Position;
            int maxBytes = (bits + 6) / 7;
            ulong result = 0;
            for (int index = 0, shift = 0; ; index++, shift += 7)
            {
                if (AtEnd)
                {
                    throw Invalid($"the {what} at offset {start} is a truncated LEB128 number");
                }
                byte b = _data[Position++];
                if (index == maxBytes - 1)
                {
                    if ((b & 0x80) != 0)
                    {
                        throw Invalid($"the {what} at offset {start} is longer than {maxBytes} bytes");
                    }
                    int unusedBits = 7 - (bits - shift);
                    if (unusedBits > 0 && (b >> (7 - unusedBits)) != 0)
                    {
                        throw Invalid($"the {what} at offset {start} does not fit in {bits} bits");
                    }
                }
                result |= (ulong)(b & 0x7F) << shift;
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
