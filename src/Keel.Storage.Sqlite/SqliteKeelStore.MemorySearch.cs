using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Keel.Memory;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>The primitive reads that retrieval fuses: BM25 full text and a scope's vectors.</summary>
public sealed partial class SqliteKeelStore
{
    /// <summary>More words than this in a query add latency and little recall; the rest are dropped.</summary>
    private const int MaxQueryWords = 32;

    /// <summary>
    /// About how many documents one search may score. Words are taken rarest first while the documents holding them
    /// stay within it (the rarest always): below it, which is every index of a few thousand memories, the search is
    /// exact BM25 over all the words; above it, the most common words, whose BM25 weight is smallest, are left out
    /// of the match. It keeps a search over 100,000 memories near 5 ms.
    /// </summary>
    private const int ScoringBudget = 5000;

    /// <summary>
    /// Words too common to tell memories apart. A question's words are OR-ed, so without this list "what did she
    /// say" would match nearly every memory and spend the query's time scoring them.
    /// </summary>
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be",
        "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
        "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having",
        "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it",
        "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on",
        "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so",
        "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
        "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
        "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours",
        "yourself", "yourselves", "s", "t", "d", "ll", "m", "re", "ve",
    };

    public ValueTask<IReadOnlyList<MemoryTextHit>> SearchMemoryTextAsync(MemoryFilter filter, string query, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var words = QueryWords(query);
        if (words.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<MemoryTextHit>>([]);
        }

        var now = _time.GetUtcNow();
        return ReadAsync<IReadOnlyList<MemoryTextHit>>(connection =>
        {
            // First the best few across the index for the query's rarest words, then the filter checked on those rows
            // only: BM25 costs about a microsecond per document it scores, and a scope-wide MATCH or a row lookup per
            // match would multiply that. When the filter throws out too many (a small scope in a large index, a
            // narrow time range), the exact query puts the scope in the MATCH and checks every match's row.
            var counted = CountHolders(connection, words);
            if (counted.Count == 0)
            {
                return [];
            }

            var chosen = WithinBudget(counted);
            var candidates = new List<MemoryTextHit>();
            if (chosen.Count == 1 && counted[0].Holders > ScoringBudget && counted.Count > 1)
            {
                // Even the rarest word is in more memories than the budget: those holding both of the two rarest come
                // first (they outrank those with one); only when they are too few does every holder of one count.
                candidates = TopTextMatches(connection, $"text : ({Quote(counted[0].Word)} AND {Quote(counted[1].Word)})", CandidateCount(limit));
            }

            if (candidates.Count < CandidateCount(limit))
            {
                candidates = TopTextMatches(connection, WordsExpression(chosen), CandidateCount(limit));
            }

            var kept = KeepMatching(connection, filter, now, candidates);
            if (kept.Count >= limit || candidates.Count < CandidateCount(limit))
            {
                return kept.Count > limit ? kept[..limit] : kept;
            }

            return FilteredTextMatches(connection, MatchExpression(filter, words), filter, now, limit);
        }, cancellationToken);
    }

    public async IAsyncEnumerable<MemoryVector> ReadMemoryVectorsAsync(MemoryFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var now = _time.GetUtcNow();
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var query = connection.CreateCommand();

        // The scope index covers the filter's usual terms, so this walks it and the vector table, not the memory rows.
        query.CommandText = $"SELECT v.key, v.vector FROM memories m CROSS JOIN memory_vectors v ON v.key = m.key WHERE {MemoryWhere(query, filter, now)}";
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new MemoryVector(reader.GetInt64(0), VectorOf(reader.GetFieldValue<byte[]>(1)));
        }
    }

    /// <summary>
    /// The query's words as the index tokenizes them (runs of letters and digits, lower-cased),
    /// without stop words and repeats. Splitting here, rather than handing FTS5 the text, is what makes any user
    /// text safe: every word becomes one quoted token, so quotes, <c>*</c>, <c>-</c>, <c>NEAR</c> or <c>OR</c> are
    /// only ever words to match.
    /// </summary>
    internal static List<string> QueryWords(string query)
    {
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var word = new StringBuilder();
        foreach (var rune in query.EnumerateRunes())
        {
            if (IsTokenRune(rune))
            {
                word.Append(rune.ToString());
                continue;
            }

            AddWord(word);
        }

        AddWord(word);
        return words;

        void AddWord(StringBuilder word)
        {
            if (word.Length > 0 && words.Count < MaxQueryWords)
            {
                var text = word.ToString().ToLowerInvariant();
                if (!StopWords.Contains(text) && seen.Add(text))
                {
                    words.Add(text);
                }
            }

            word.Clear();
        }

        // unicode61's token characters: letters, numbers and private use (categories L*, N*, Co); all else separates.
        static bool IsTokenRune(Rune rune) => Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber or UnicodeCategory.PrivateUse => true,
            _ => false,
        };
    }

    private static int CandidateCount(int limit) => (limit * 2) + 20;

    /// <summary>The words found in any memory, rarest first, with how many hold them (counted up to just past the budget, so cheaply).</summary>
    private static List<(string Word, long Holders)> CountHolders(SqliteConnection connection, List<string> words)
    {
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT " + string.Join(", ", words.Select((_, i) =>
            $"(SELECT count(*) FROM (SELECT 1 FROM memories_fts WHERE memories_fts MATCH $w{i} LIMIT {ScoringBudget + 1}))"));
        for (var i = 0; i < words.Count; i++)
        {
            query.Parameters.AddWithValue($"$w{i}", WordsExpression([words[i]]));
        }

        var counted = new List<(string Word, long Holders)>(words.Count);
        using var reader = query.ExecuteReader();
        reader.Read();
        for (var i = 0; i < words.Count; i++)
        {
            if (reader.GetInt64(i) > 0)
            {
                counted.Add((words[i], reader.GetInt64(i)));
            }
        }

        return [.. counted.OrderBy(c => c.Holders)];
    }

    /// <summary>The rarest words while the memories holding them stay within <see cref="ScoringBudget"/>; the rarest always.</summary>
    private static List<string> WithinBudget(List<(string Word, long Holders)> counted)
    {
        var chosen = new List<string> { counted[0].Word };
        var scored = counted[0].Holders;
        foreach (var (word, holders) in counted.Skip(1))
        {
            if (scored + holders > ScoringBudget)
            {
                break;
            }

            chosen.Add(word);
            scored += holders;
        }

        return chosen;
    }

    private static string WordsExpression(IEnumerable<string> words) => $"text : ({string.Join(" OR ", words.Select(Quote))})";

    private static string Quote(string word) => $"\"{word.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>
    /// <c>terms : ("c…" AND "u…" AND ("k1" OR "k2")) AND text : ("w1" OR "w2" …)</c>. The words are OR-ed: a question
    /// rarely has all its words in the answer, and BM25 already ranks memories holding more of them higher.
    /// </summary>
    private static string MatchExpression(MemoryFilter filter, List<string> words)
    {
        var scope = ScopeTerms(filter.Scope).Select(Quote).ToList();
        if (filter.Kinds.Count > 0)
        {
            scope.Add($"({string.Join(" OR ", filter.Kinds.Distinct().Select(KindTerm).Select(Quote))})");
        }

        return $"terms : ({string.Join(" AND ", scope)}) AND {WordsExpression(words)}";
    }

    /// <summary>The text column weighs 1, the scope tokens 0: they select documents, they must not rank them.</summary>
    private const string Bm25 = "bm25(memories_fts, 1.0, 0.0)";

    private static List<MemoryTextHit> TopTextMatches(SqliteConnection connection, string match, int count)
    {
        using var query = connection.CreateCommand();
        query.CommandText = $"SELECT rowid, {Bm25} AS score FROM memories_fts WHERE memories_fts MATCH $match ORDER BY score LIMIT $count";
        query.Parameters.AddWithValue("$match", match);
        query.Parameters.AddWithValue("$count", count);
        return ReadHits(query);
    }

    private static List<MemoryTextHit> KeepMatching(SqliteConnection connection, MemoryFilter filter, DateTimeOffset now, List<MemoryTextHit> candidates)
    {
        if (candidates.Count == 0)
        {
            return candidates;
        }

        using var query = connection.CreateCommand();
        // CROSS JOIN keeps the planner on the candidates' keys rather than a walk of the whole scope's index.
        query.CommandText = $"SELECT m.key FROM json_each($keys) j CROSS JOIN memories m ON m.key = j.value WHERE {MemoryWhere(query, filter, now)}";
        query.Parameters.AddWithValue("$keys", SqliteJson.Array(candidates.Select(c => c.Key)));
        var matching = new HashSet<long>();
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                matching.Add(reader.GetInt64(0));
            }
        }

        return candidates.FindAll(c => matching.Contains(c.Key));
    }

    private static List<MemoryTextHit> FilteredTextMatches(SqliteConnection connection, string match, MemoryFilter filter, DateTimeOffset now, int limit)
    {
        using var query = connection.CreateCommand();
        query.CommandText = $"""
            SELECT memories_fts.rowid, {Bm25} AS score FROM memories_fts CROSS JOIN memories m ON m.key = memories_fts.rowid
            WHERE memories_fts MATCH $match AND {MemoryWhere(query, filter, now)}
            ORDER BY score LIMIT $limit
            """;
        query.Parameters.AddWithValue("$match", match);
        query.Parameters.AddWithValue("$limit", limit);
        return ReadHits(query);
    }

    /// <summary>SQLite's bm25() is lower-is-better; the contract's score is higher-is-better.</summary>
    private static List<MemoryTextHit> ReadHits(SqliteCommand query)
    {
        var hits = new List<MemoryTextHit>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            hits.Add(new MemoryTextHit(reader.GetInt64(0), -reader.GetDouble(1)));
        }

        return hits;
    }
}
