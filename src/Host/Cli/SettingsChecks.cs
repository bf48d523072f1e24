using System.Globalization;
using Spectre.Console;

namespace WasmGraph.Host.Cli;

/// <summary>
/// The checks every verb's flags share, so that a number or a path is refused the same way on every verb, before any
/// work starts: numbers must be finite and in range (NaN, infinity, zero, negatives and values that would overflow
/// later are exit 2 naming the flag), paths must not be empty and must be what the flag expects (a directory, a
/// regular file, a writable place). Each check returns the error message, or null when the value is fine (or absent).
/// </summary>
public static class SettingsChecks
{
    /// <summary>The longest wall-clock limit a flag accepts: one day (far below what TimeSpan and timers hold).</summary>
    public const double MaxSeconds = 24 * 60 * 60;

    /// <summary>A wasm32 linear memory holds at most 65536 pages of 64 KiB: 4 GiB.</summary>
    public const long MaxWasm32MemoryMiB = 4096;

    /// <summary>The most repetitions a timing flag accepts; far beyond any useful median.</summary>
    public const int MaxRepeat = 1_000_000;

    /// <summary>The first error, as Spectre's validation result (exit 2 through <see cref="ErrorReporter"/>).</summary>
    public static ValidationResult FirstError(IEnumerable<string?> errors)
        => errors.FirstOrDefault(e => e is not null) is { } error ? ValidationResult.Error(error) : ValidationResult.Success();

    /// <summary>The message of the user error <paramref name="parse"/> throws (a <see cref="Abstractions.WasmGraphException"/>), or null when it parses.</summary>
    public static string? Parses(Action parse)
    {
        try
        {
            parse();
            return null;
        }
        catch (Abstractions.WasmGraphException e)
        {
            return e.Message;
        }
    }

    /// <summary>A duration in seconds: finite, positive, at most <see cref="MaxSeconds"/>.</summary>
    public static string? Seconds(double? value, string flag)
        => value switch
        {
            null => null,
            { } v when double.IsNaN(v) || double.IsInfinity(v) => $"{flag} must be a finite number of seconds, not {Show(v)}",
            <= 0 => $"{flag} must be positive, not {Show(value.Value)}",
            > MaxSeconds => $"{flag} must be at most {MaxSeconds:0} seconds (one day), not {Show(value.Value)}",
            _ => null,
        };

    /// <summary>An integer between <paramref name="min"/> and <paramref name="max"/> inclusive.</summary>
    public static string? InRange(long? value, string flag, long min, long max)
        => value is { } v && (v < min || v > max)
            ? $"{flag} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {v.ToString(CultureInfo.InvariantCulture)}"
            : null;

    /// <summary>A memory limit in MiB for a wasm32 module: 1 to 4096 (checked before it is multiplied into bytes).</summary>
    public static string? MemoryMiB(long? value, string flag)
        => value switch
        {
            null => null,
            <= 0 => $"{flag} must be a positive number of MiB, not {value.Value.ToString(CultureInfo.InvariantCulture)}",
            > MaxWasm32MemoryMiB => $"{flag} {value.Value.ToString(CultureInfo.InvariantCulture)} MiB is more than a wasm32 module can address: " +
                                    $"its linear memory is at most {MaxWasm32MemoryMiB} MiB (4 GiB)",
            _ => null,
        };

    /// <summary>
    /// A directory outputs are written into: <see cref="IO.OutputPath.CheckDirectory"/>'s rule (an existing directory
    /// that takes new files, or one that can be made), checked here so it fails before the run instead of after it.
    /// </summary>
    public static string? OutputDirectory(string? path, string flag)
        => path is null ? null : Empty(path, flag) ?? ErrorOf(() => IO.OutputPath.CheckDirectory(path, flag));

    /// <summary>A file a report or model is written to: <see cref="IO.OutputPath.Check"/>'s rule, up front.</summary>
    public static string? OutputFile(string? path, string flag)
    {
        if (path is null)
        {
            return null;
        }
        if (Empty(path, flag) is { } empty)
        {
            return empty;
        }
        return path.EndsWith('/')
            ? $"{flag} {Format.Untrusted(path)}: is a directory; give a file path"
            : ErrorOf(() => IO.OutputPath.Check(path, flag, []));
    }

    /// <summary>A directory that must already exist (data to read, a plugins folder).</summary>
    public static string? ExistingDirectory(string? path, string flag)
    {
        if (path is null)
        {
            return null;
        }
        if (Empty(path, flag) is { } empty)
        {
            return empty;
        }
        var full = Path.GetFullPath(path);
        return File.Exists(full) ? $"{flag} {Format.Untrusted(full)} is a file, not a directory"
             : !Directory.Exists(full) ? $"{flag} {Format.Untrusted(full)}: no such directory"
             : null;
    }

    /// <summary>A file that must already exist (a config, a photo).</summary>
    public static string? ExistingFile(string? path, string flag)
    {
        if (path is null)
        {
            return null;
        }
        if (Empty(path, flag) is { } empty)
        {
            return empty;
        }
        var full = Path.GetFullPath(path);
        return Directory.Exists(full) ? $"{flag} {Format.Untrusted(full)} is a directory, not a file"
             : !File.Exists(full) ? $"{flag} {Format.Untrusted(full)}: no such file"
             : null;
    }

    /// <summary>An empty or blank value is always a mistake (an unset shell variable), never "the current directory".</summary>
    public static string? Empty(string? value, string flag, string expected = "a path")
        => value is not null && string.IsNullOrWhiteSpace(value) ? $"{flag} is empty; give {expected}" : null;

    private static string? ErrorOf(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (WasmGraph.Abstractions.WasmGraphException e)
        {
            return e.Message;
        }
    }

    private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
