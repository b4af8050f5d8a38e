using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Keel.Cli.Commands.Bench;

/// <summary>One turn of a LoCoMo conversation.</summary>
/// <param name="Id">Its <c>dia_id</c> (<c>D3:7</c>).</param>
/// <param name="Session">Its session's number (<c>session_3</c> is 3).</param>
internal sealed record LocomoTurn(string Id, int Session, string Speaker, string Text, string? ImageCaption, DateTimeOffset SessionDate);

/// <summary>A question with evidence.</summary>
/// <param name="Index">Its place in the sample's <c>qa</c> list, as given in <c>--dump-rankings</c>.</param>
/// <param name="Evidence">The ids of the turns that answer it, cleaned (see <see cref="LocomoDataset.CleanEvidence"/>).</param>
internal sealed record LocomoQuestion(int Index, string Text, int Category, IReadOnlyList<string> Evidence);

internal sealed record LocomoSample(string SampleId, IReadOnlyList<LocomoTurn> Turns, IReadOnlyList<LocomoQuestion> Questions);

/// <summary>
/// Reads a file in the LoCoMo format (snap-research/LoCoMo, <c>locomo10.json</c>): a list of samples, each with a
/// <c>conversation</c> (<c>session_N</c> lists of turns, <c>session_N_date_time</c>) and <c>qa</c>. Keeps the
/// questions of categories 1-4 that have evidence; category 5 (adversarial) has no answer in the conversation.
/// </summary>
internal static partial class LocomoDataset
{
    public static IReadOnlyList<LocomoSample> Load(Stream json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("A LoCoMo file is a JSON list of samples.");
        }

        return document.RootElement.EnumerateArray().Select(ReadSample).ToList();
    }

    private static LocomoSample ReadSample(JsonElement sample)
    {
        var sampleId = sample.GetProperty("sample_id").GetString() ?? throw new FormatException("A sample has no sample_id.");
        var conversation = sample.GetProperty("conversation");
        var turns = new List<LocomoTurn>();
        var sessions = conversation.EnumerateObject()
            .Select(p => (Property: p, Match: SessionKey().Match(p.Name)))
            .Where(p => p.Match.Success && p.Property.Value.ValueKind == JsonValueKind.Array)
            .OrderBy(p => int.Parse(p.Match.Groups[1].Value, CultureInfo.InvariantCulture));
        foreach (var (property, match) in sessions)
        {
            var number = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var date = ParseDate(conversation.GetProperty($"{property.Name}_date_time").GetString() ?? "");
            foreach (var turn in property.Value.EnumerateArray())
            {
                var caption = turn.TryGetProperty("blip_caption", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                turns.Add(new LocomoTurn(
                    turn.GetProperty("dia_id").GetString()!,
                    number,
                    turn.GetProperty("speaker").GetString()!,
                    turn.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "",
                    string.IsNullOrWhiteSpace(caption) ? null : caption,
                    date));
            }
        }

        var ids = turns.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var questions = new List<LocomoQuestion>();
        var index = 0;
        foreach (var qa in sample.GetProperty("qa").EnumerateArray())
        {
            var at = index++;
            var category = qa.TryGetProperty("category", out var cat) && cat.ValueKind == JsonValueKind.Number ? cat.GetInt32() : 0;
            if (category is < 1 or > 4 || !qa.TryGetProperty("evidence", out var evidence) || evidence.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var cleaned = CleanEvidence(evidence.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!), ids);
            if (cleaned.Count > 0)
            {
                questions.Add(new LocomoQuestion(at, qa.GetProperty("question").GetString() ?? "", category, cleaned));
            }
        }

        return new LocomoSample(sampleId, turns, questions);
    }

    /// <summary>
    /// The source's evidence ids, repaired: lists in one string ("D8:6; D9:17", "D1:3 D1:5") split, "D:11:26" read
    /// as D11:26, "D30:05" as D30:5, and ids not in the conversation dropped.
    /// </summary>
    public static List<string> CleanEvidence(IEnumerable<string> raw, IReadOnlySet<string> turnIds)
    {
        var cleaned = new List<string>();
        foreach (var part in raw.SelectMany(r => r.Split([';', ',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries)))
        {
            var match = EvidenceId().Match(part);
            if (!match.Success)
            {
                continue;
            }

            var id = $"D{int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)}:{int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)}";
            if (turnIds.Contains(id) && !cleaned.Contains(id))
            {
                cleaned.Add(id);
            }
        }

        return cleaned;
    }

    /// <summary>"1:56 pm on 8 May, 2023", as UTC.</summary>
    private static DateTimeOffset ParseDate(string text) =>
        DateTimeOffset.TryParseExact(text.Trim(), ["h:mm tt 'on' d MMMM, yyyy", "h:mm tt 'on' d MMM, yyyy", "h:mm tt 'on' d MMMM yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date)
                ? date
                : throw new FormatException($"Unreadable session date \"{text}\".");

    [GeneratedRegex(@"^session_(\d+)$")]
    private static partial Regex SessionKey();

    [GeneratedRegex(@"^D:?(\d+):(\d+)$")]
    private static partial Regex EvidenceId();
}
