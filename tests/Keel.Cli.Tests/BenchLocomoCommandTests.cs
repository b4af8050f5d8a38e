using System.Text.Json;
using Xunit;

namespace Keel.Cli.Tests;

public sealed class BenchLocomoCommandTests
{
    /// <summary>
    /// Two conversations in the LoCoMo format, with the source's malformed evidence ids ("D1:2; D2:1", "D:1:3",
    /// "D2:01", an id not in the conversation), a category 5 question and a question without evidence (both skipped).
    /// </summary>
    private const string Locomo = """
        [
          {
            "sample_id": "conv-a",
            "conversation": {
              "speaker_a": "Ann", "speaker_b": "Bob",
              "session_1_date_time": "1:56 pm on 8 May, 2023",
              "session_1": [
                {"speaker": "Ann", "dia_id": "D1:1", "text": "Hi Bob! I just got back from my pottery class."},
                {"speaker": "Bob", "dia_id": "D1:2", "text": "Nice! What did you make?"},
                {"speaker": "Ann", "dia_id": "D1:3", "text": "A blue vase for my grandmother.", "img_url": ["x"], "blip_caption": "a photo of a blue ceramic vase"}
              ],
              "session_2_date_time": "10:00 am on 20 June, 2023",
              "session_2": [
                {"speaker": "Bob", "dia_id": "D2:1", "text": "I adopted a puppy named Biscuit last week."},
                {"speaker": "Ann", "dia_id": "D2:2", "text": "Congratulations, that is wonderful news!"}
              ]
            },
            "qa": [
              {"question": "What did Ann make in her pottery class?", "answer": "a blue vase", "evidence": ["D:1:3"], "category": 4},
              {"question": "What is the name of Bob's puppy?", "answer": "Biscuit", "evidence": ["D2:01", "D9:9"], "category": 4},
              {"question": "What hobbies and pets come up?", "answer": "pottery, a puppy", "evidence": ["D1:1; D2:1"], "category": 1},
              {"question": "Is Bob allergic to cats?", "answer": "unknown", "evidence": [], "category": 5},
              {"question": "What might Ann enjoy?", "answer": "crafts", "evidence": [], "category": 3}
            ]
          },
          {
            "sample_id": "conv-b",
            "conversation": {
              "speaker_a": "Cy", "speaker_b": "Di",
              "session_1_date_time": "9:15 am on 3 March, 2024",
              "session_1": [
                {"speaker": "Cy", "dia_id": "D1:1", "text": "My flight to Tokyo leaves on Friday."},
                {"speaker": "Di", "dia_id": "D1:2", "text": "Bring me some matcha sweets please!"}
              ]
            },
            "qa": [
              {"question": "When does Cy fly to Tokyo?", "answer": "Friday", "evidence": ["D1:1 D1:2"], "category": 2}
            ]
          }
        ]
        """;

    [Fact]
    public async Task Locomo_reports_every_metric_as_json_and_dumps_one_ranking_per_question()
    {
        using var temp = new TempDirectory();
        var file = temp.File("locomo.json");
        await File.WriteAllTextAsync(file, Locomo, TestContext.Current.CancellationToken);
        var rankings = temp.File("rankings.jsonl");

        var result = await CliRunner.RunAsync("bench", "locomo", file, "--json", "--dump-rankings", rankings, "--db", temp.File("bench.db"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = Json.ParseSingle(result.Stdout);
        Assert.Equal(2, report.Int("conversations"));
        Assert.Equal(7, report.Int("turns"));
        Assert.Equal(4, report.Int("questions"));
        Assert.Equal(10, report.Int("k"));
        foreach (var metric in new[] { "recall_at_5", "recall_at_10", "recall_at_k", "all_evidence_at_10", "mrr" })
        {
            var value = report.GetProperty(metric).GetDouble();
            Assert.InRange(value, 0.0, 1.0);
        }

        // Every turn is in the top 10 of a 5-turn conversation: recall@10 is exact.
        Assert.Equal(1.0, report.GetProperty("recall_at_10").GetDouble());
        var categories = report.GetProperty("recall_at_10_by_category");
        Assert.Equal(["multi-hop", "temporal", "single-hop"], categories.EnumerateObject().Select(c => c.Name));
        Assert.Equal(2, categories.GetProperty("single-hop").Int("questions"));
        Assert.True(report.GetProperty("search_ms").GetProperty("p95").GetDouble() >= report.GetProperty("search_ms").GetProperty("p50").GetDouble());
        Assert.True(report.GetProperty("ingestion").GetProperty("turns_per_second").GetDouble() > 0);

        var lines = (await File.ReadAllLinesAsync(rankings, TestContext.Current.CancellationToken)).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal([("conv-a", 0), ("conv-a", 1), ("conv-a", 2), ("conv-b", 0)], lines.Select(l => (l.Str("sample_id"), l.Int("qa_index"))));
        var first = lines[0].GetProperty("ranked_turn_ids").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(5, first.Count);
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.Contains("D1:3", first);
        Assert.All(lines, l => Assert.Equal(l.Str("sample_id") == "conv-a" ? 5 : 2, l.GetProperty("ranked_turn_ids").GetArrayLength()));
    }

    [Fact]
    public async Task Locomo_prints_a_readable_summary_and_deletes_its_temporary_database()
    {
        using var temp = new TempDirectory();
        var file = temp.File("locomo.json");
        await File.WriteAllTextAsync(file, Locomo, TestContext.Current.CancellationToken);
        var before = Directory.GetFiles(Path.GetTempPath(), "keel-locomo-*").Length;

        var result = await CliRunner.RunAsync("bench", "locomo", file, "--samples", "conv-b");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1 conversations, 2 turns, 1 questions", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("recall@10            1.000", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(Path.GetTempPath(), "keel-locomo-*").Length);
    }
}
