namespace WasmGraph.Abstractions;

/// <summary>
/// "Did you mean …?" for a misspelled name (a flag, a verb, a config key, a pass): the known name with the smallest
/// edit distance, when it is close enough to be a plausible typo. One place, so flags and config keys are suggested
/// the same way.
/// </summary>
public static class NameSuggestion
{
    /// <summary>
    /// The known name closest to <paramref name="wrong"/> (case-insensitive optimal-string-alignment distance, so a
    /// swapped pair of letters counts once), or null when none is within a third of the name's length (at least 1, at
    /// most 3 edits) and none starts with it.
    /// </summary>
    public static string? Closest(string wrong, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        var lower = wrong.ToLowerInvariant();
        foreach (var name in known.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            int distance = Distance(lower, name.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = name;
                bestDistance = distance;
            }
        }
        if (best is null)
        {
            return null;
        }
        int allowed = Math.Clamp(lower.Length / 3, 1, 3);
        if (bestDistance <= allowed)
        {
            return best;
        }
        // "--max" for "--max-memory": an abbreviation, when it abbreviates exactly one name.
        var prefixed = known.Where(n => lower.Length >= 3 && n.StartsWith(wrong, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    /// <summary>"; did you mean 'x'?" or, when nothing is close, "; known: a, b, c" (or "" when nothing is known).</summary>
    public static string Hint(string wrong, IReadOnlyCollection<string> known, string quote = "'")
    {
        if (Closest(wrong, known) is { } close)
        {
            return $"; did you mean {quote}{close}{quote}?";
        }
        return known.Count == 0 ? "" : "; known: " + string.Join(", ", known.Order(StringComparer.Ordinal));
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    internal static int Distance(string a, string b)
    {
        // Inputs are names typed by a person; cap the work so a hostile 1 MB argument costs nothing.
        if (a.Length > 256 || b.Length > 256)
        {
            return Math.Max(a.Length, b.Length);
        }
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
