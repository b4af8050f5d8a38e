namespace Keel.Memory.Retrieval;

/// <summary>
/// The order of memories within a session, for neighbours: by occurred time, then step, then message id compared
/// with its numbers as numbers (<c>D3:9</c> before <c>D3:10</c>), then key (insertion order).
/// </summary>
internal sealed class MemoryOrder : IComparer<MemoryRecord>
{
    public static MemoryOrder Instance { get; } = new();

    /// <summary>The session a memory's neighbours are looked for in; null when it has none (a fact, say).</summary>
    public static (string Scope, string Session)? Thread(MemoryRecord memory) =>
        (memory.Source.SessionId ?? memory.Scope.SessionId) is { } session ? (memory.Scope.ToString(), session) : null;

    public int Compare(MemoryRecord? x, MemoryRecord? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var c = x.OccurredAt.CompareTo(y.OccurredAt);
        if (c == 0)
        {
            c = Nullable.Compare(x.Source.StepSeq, y.Source.StepSeq);
        }

        if (c == 0)
        {
            c = Natural(x.Source.MessageId, y.Source.MessageId);
        }

        return c != 0 ? c : x.Key.CompareTo(y.Key);
    }

    internal static int Natural(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }

        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                var si = i;
                var sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                {
                    i++;
                }

                while (j < b.Length && char.IsAsciiDigit(b[j]))
                {
                    j++;
                }

                var na = a.AsSpan(si, i - si).TrimStart('0');
                var nb = b.AsSpan(sj, j - sj).TrimStart('0');
                var c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : na.SequenceCompareTo(nb);
                if (c != 0)
                {
                    return c;
                }

                continue;
            }

            if (a[i] != b[j])
            {
                return a[i].CompareTo(b[j]);
            }

            i++;
            j++;
        }

        return (a.Length - i).CompareTo(b.Length - j);
    }
}
