using System.Text;

namespace Keel.Memory.Retrieval;

/// <summary>
/// Who said a turn, read from its text: a memory written as <c>Name: what was said</c> (as session ingestion writes
/// <c>user: …</c> and <c>assistant: …</c>, and as transcripts usually are) has <c>Name</c> as its speaker. A question
/// that names a speaker ("What did Caroline research?") is mostly answered by that speaker's own turns; the name
/// itself tells BM25 little, because every one of their turns holds it.
/// </summary>
internal static class Speakers
{
    /// <summary>A longer prefix before the first <c>": "</c> is a sentence, not a name.</summary>
    private const int MaxNameLength = 40;

    /// <summary>The speaker's name, lower-cased, or null when the text does not start with <c>Name: </c> (at most three words).</summary>
    public static string? Of(string text)
    {
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0 || colon > MaxNameLength)
        {
            return null;
        }

        var name = text.AsSpan(0, colon);
        return name.Count(' ') > 2 || !char.IsLetter(name[0]) ? null : name.ToString().ToLowerInvariant();
    }

    /// <summary>
    /// The query's words in order, lower-cased, each marked when it starts with a capital; a possessive's <c>'s</c>
    /// is dropped ("Caroline's" is "caroline").
    /// </summary>
    public static List<QueryWord> Words(string query)
    {
        var words = new List<QueryWord>();
        var word = new StringBuilder();
        var capitalised = false;
        var joined = false;
        for (var i = 0; i <= query.Length; i++)
        {
            if (i < query.Length && char.IsLetterOrDigit(query[i]))
            {
                capitalised |= word.Length == 0 && char.IsUpper(query[i]);
                word.Append(char.ToLowerInvariant(query[i]));
                continue;
            }

            if (word.Length > 0)
            {
                words.Add(new QueryWord(word.ToString(), capitalised, joined && words.Count > 0));
                word.Clear();
                capitalised = false;
                joined = true;
            }

            // Only spaces between two words keep them in one name; punctuation ends it ("Joanna? Answer").
            joined &= i >= query.Length || char.IsWhiteSpace(query[i]);

            // "Caroline's" and "Caroline’s": skip the apostrophe's s.
            if (i + 1 < query.Length && query[i] is '\'' or '\u2019' && (query[i + 1] is 's' or 'S') && (i + 2 == query.Length || !char.IsLetterOrDigit(query[i + 2])))
            {
                i++;
            }
        }

        return words;
    }

    /// <summary>The query without the words of the named speakers' names (and their possessive <c>'s</c>); the query itself when that leaves nothing.</summary>
    public static string Without(string query, HashSet<string> named)
    {
        if (named.Count == 0)
        {
            return query;
        }

        var drop = named.SelectMany(n => n.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        var kept = new StringBuilder(query.Length);
        var anyWord = false;
        for (var i = 0; i < query.Length;)
        {
            if (!char.IsLetterOrDigit(query[i]))
            {
                kept.Append(query[i++]);
                continue;
            }

            var start = i;
            while (i < query.Length && char.IsLetterOrDigit(query[i]))
            {
                i++;
            }

            var word = query[start..i];
            if (!drop.Contains(word.ToLowerInvariant()))
            {
                kept.Append(word);
                anyWord = true;
                continue;
            }

            if (i + 1 < query.Length && query[i] is '\'' or '\u2019' && (query[i + 1] is 's' or 'S') && (i + 2 == query.Length || !char.IsLetterOrDigit(query[i + 2])))
            {
                i += 2;
            }
        }

        return anyWord ? kept.ToString() : query;
    }

    /// <summary>
    /// True when the speaker's name is in the query as a name of its own: its words in a row, and not followed by
    /// another capitalised word ("Arjun Oliveira" is someone else than the speaker Arjun).
    /// </summary>
    public static bool Named(string speaker, List<QueryWord> words)
    {
        var parts = speaker.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + parts.Length <= words.Count; i++)
        {
            var match = true;
            for (var j = 0; j < parts.Length && match; j++)
            {
                match = words[i + j].Text == parts[j];
            }

            var end = i + parts.Length;
            if (match && !(end < words.Count && words[end].Capitalised && words[end].JoinedToPrevious && words[end - 1].Capitalised))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A word of a query, lower-cased; whether it was written with a capital, and whether only spaces separate it from the word before.</summary>
internal readonly record struct QueryWord(string Text, bool Capitalised, bool JoinedToPrevious);
