using System.Buffers.Binary;
using SkiaSharp;

namespace WasmGraph.Host.Tests;

/// <summary>Encoded images, and the same images lying about their size or cut short, for the image reader's tests.</summary>
public static class HostileImages
{
    /// <summary>A <paramref name="width"/>×<paramref name="height"/> gradient, encoded as <paramref name="format"/>.</summary>
    public static byte[] Encode(SKEncodedImageFormat format, int width = 32, int height = 32)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)((x ^ y) * 7)));
            }
        }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>The PNG with its IHDR claiming <paramref name="width"/>×<paramref name="height"/> (CRC fixed, so decoders believe it).</summary>
    public static byte[] PngClaiming(byte[] png, uint width, uint height)
    {
        var bytes = png.ToArray();
        const int ihdrData = 16; // 8-byte signature, 4-byte length, "IHDR"
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(ihdrData), width);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(ihdrData + 4), height);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(ihdrData + 13), Crc32(bytes.AsSpan(12, 4 + 13)));
        return bytes;
    }

    /// <summary>The JPEG with its start-of-frame segment claiming <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] JpegClaiming(byte[] jpeg, ushort width, ushort height)
    {
        var bytes = jpeg.ToArray();
        for (int i = 2; i + 9 < bytes.Length; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 7), width);
                return bytes;
            }
        }
        throw new InvalidOperationException("no start-of-frame marker in the JPEG");
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }
}
