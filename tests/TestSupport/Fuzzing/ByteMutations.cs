namespace WasmGraph.TestSupport.Fuzzing;

/// <summary>
/// Mutations of a model's raw bytes, blind to its structure: what disk corruption, a bad download or a hostile sender
/// produce. The protobuf parser must turn every one of them into a model error or a model.
/// </summary>
public static class ByteMutations
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12, 0x3A];

    /// <summary>Flips 1–8 random bits.</summary>
    public static byte[] FlipBits(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        for (int n = random.Next(1, 9); n > 0 && bytes.Length > 0; n--)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }
        return bytes;
    }

    /// <summary>Overwrites 1–4 random bytes with boundary values (0, 0x7F, 0x80, 0xFF, common tags) or random ones.</summary>
    public static byte[] OverwriteBytes(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        for (int n = random.Next(1, 5); n > 0 && bytes.Length > 0; n--)
        {
            bytes[random.Next(bytes.Length)] = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
        }
        return bytes;
    }

    /// <summary>Cuts the file at a random length (possibly 0).</summary>
    public static byte[] Truncate(byte[] seed, Random random) => seed[..random.Next(seed.Length)];

    /// <summary>Deletes, duplicates or moves a random chunk of up to 64 bytes.</summary>
    public static byte[] Splice(byte[] seed, Random random)
    {
        if (seed.Length < 2)
        {
            return seed;
        }
        int start = random.Next(seed.Length);
        int length = Math.Clamp(random.Next(65), 1, seed.Length - start);
        var chunk = seed.AsSpan(start, length).ToArray();
        var rest = new List<byte>(seed.Length + 2 * length);
        rest.AddRange(seed.AsSpan(0, start).ToArray());
        rest.AddRange(seed.AsSpan(start + length).ToArray());
        switch (random.Next(3))
        {
            case 0:
                break;
            case 1:
                rest.InsertRange(start, chunk);
                rest.InsertRange(start, chunk);
                break;
            default:
                rest.InsertRange(random.Next(rest.Count + 1), chunk);
                break;
        }
        return rest.ToArray();
    }

    /// <summary>
    /// Rewrites the length prefix of one length-delimited field (found by walking the wire format, nested messages
    /// included) to a lie: 4 GiB, 2 GiB, 1 TiB, or a few bytes too long or too short.
    /// </summary>
    public static byte[] LieAboutALength(byte[] seed, Random random)
    {
        var fields = new List<(int LengthAt, int LengthBytes, long Length)>();
        Walk(seed, 0, seed.Length, depth: 0, fields);
        if (fields.Count == 0)
        {
            return FlipBits(seed, random);
        }
        var (at, size, length) = fields[random.Next(fields.Count)];
        long lie = random.Next(5) switch
        {
            0 => 0xFFFF_FFFFL,
            1 => int.MaxValue,
            2 => 1L << 40,
            3 => length + random.Next(1, 9),
            _ => Math.Max(0, length - random.Next(1, 9)),
        };
        var result = new List<byte>(seed.Length + 8);
        result.AddRange(seed.AsSpan(0, at).ToArray());
        WriteVarint(result, (ulong)lie);
        result.AddRange(seed.AsSpan(at + size).ToArray());
        return result.ToArray();
    }

    /// <summary>Collects length-delimited fields in bytes[start..end) and, where a payload parses as a message, inside it.</summary>
    private static void Walk(byte[] bytes, int start, int end, int depth, List<(int, int, long)> fields)
    {
        int pos = start;
        while (pos < end && fields.Count < 10_000)
        {
            if (!TryVarint(bytes, ref pos, end, out ulong tag) || tag >> 3 == 0)
            {
                return;
            }
            switch ((int)(tag & 7))
            {
                case 0:
                    if (!TryVarint(bytes, ref pos, end, out _))
                    {
                        return;
                    }
                    break;
                case 1:
                    pos += 8;
                    break;
                case 5:
                    pos += 4;
                    break;
                case 2:
                    int lengthAt = pos;
                    if (!TryVarint(bytes, ref pos, end, out ulong length) || length > (ulong)(end - pos))
                    {
                        return;
                    }
                    fields.Add((lengthAt, pos - lengthAt, (long)length));
                    if (depth < 8)
                    {
                        Walk(bytes, pos, pos + (int)length, depth + 1, fields);
                    }
                    pos += (int)length;
                    break;
                default:
                    return;
            }
        }
    }

    private static bool TryVarint(byte[] bytes, ref int pos, int end, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && pos < end; shift += 7)
        {
            byte b = bytes[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }
        return false;
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            output.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }
}
