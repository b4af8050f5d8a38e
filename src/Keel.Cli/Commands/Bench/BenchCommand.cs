using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Keel.Memory;
using Keel.Memory.Embeddings;
using Keel.Storage.Sqlite;

namespace Keel.Cli.Commands.Bench;

/// <summary>`keel bench locomo`: Keel memory's retrieval measured on a conversational-memory benchmark.</summary>
internal static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("bench", "Benchmarks of Keel's own parts.");
        command.Subcommands.Add(Locomo(console));
        return command;
    }

    private static Command Locomo(CliConsole console)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A file in the LoCoMo format (snap-research/LoCoMo's locomo10.json, or a part of it)." };
        var k = new Option<int>("--k") { Description = "How many distinct turns each question ranks (recall@k, MRR, dumped rankings); at least 10.", DefaultValueFactory = _ => 10, HelpName = "N" };
        CommonOptions.AtLeast(k, 10);
        var json = CommonOptions.Json();
        var dump = new Option<FileInfo?>("--dump-rankings") { Description = "Write one JSON line per question: {\"sample_id\", \"qa_index\", \"ranked_turn_ids\"}.", HelpName = "FILE" };
        var db = new Option<string?>("--db") { Description = "The database to ingest into (default: a temporary file, deleted afterwards).", HelpName = "FILE" };
        var samples = new Option<string[]>("--samples") { Description = "Only these sample ids (e.g. conv-26,conv-30).", AllowMultipleArgumentsPerToken = true, HelpName = "IDS" };
        var command = new Command("locomo", """
            Ingests each conversation's turns as episodic memory in a scope of its own ("speaker: text", the shared
            image's caption, the session date as the memory's time, the dia_id as its source message), then searches
            that scope with every category 1-4 question that has evidence. Reports recall@5 and @10 (the share of a
            question's evidence turns among the top distinct turns), the share of questions with all evidence in the
            top 10, MRR, recall@10 per category, search latency p50/p95 and the ingestion rate.
            """)
        {
            file, k, json, dump, db, samples,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            IReadOnlyList<LocomoSample> data;
            await using (var input = parse.GetValue(file)!.OpenRead())
            {
                data = LocomoDataset.Load(input);
            }

            var only = (parse.GetValue(samples) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
            if (only.Count > 0)
            {
                data = data.Where(s => only.Contains(s.SampleId)).ToList();
            }

            var path = parse.GetValue(db);
            var temporary = path is null;
            path ??= Path.Combine(Path.GetTempPath(), $"keel-locomo-{Guid.NewGuid():N}.db");
            try
            {
                LocomoReport report;
                await using (var store = await SqliteKeelStore.OpenAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    var memory = new MemoryService(store, MemoryEmbeddings.Create(MemoryEmbeddingOptions.FromEnvironment()));
                    StreamWriter? rankings = parse.GetValue(dump) is { } dumpFile ? new StreamWriter(dumpFile.FullName, false, new UTF8Encoding(false)) : null;
                    await using (rankings)
                    {
                        report = await new LocomoBench(memory).RunAsync(
                            data,
                            parse.GetValue(k),
                            rankings is null ? null : r => rankings.WriteLine(RankingLine(r)),
                            message => console.ErrorWriter.WriteLine($"keel: {message}"),
                            cancellationToken).ConfigureAwait(false);
                    }
                }

                await console.Output.WriteLineAsync(parse.GetValue(json) ? ReportJson(report) : ReportText(report)).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                if (temporary)
                {
                    File.Delete(path);
                    File.Delete(path + "-wal");
                    File.Delete(path + "-shm");
                }
            }
        }));
        return command;
    }

    internal static string RankingLine(LocomoRanking ranking)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("sample_id", ranking.SampleId);
            writer.WriteNumber("qa_index", ranking.QaIndex);
            writer.WriteStartArray("ranked_turn_ids");
            foreach (var id in ranking.RankedTurnIds)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static string ReportJson(LocomoReport report)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("conversations", report.Conversations);
            writer.WriteNumber("turns", report.Turns);
            writer.WriteNumber("questions", report.Questions);
            writer.WriteNumber("k", report.K);
            writer.WriteNumber("recall_at_5", Math.Round(report.RecallAt5, 4));
            writer.WriteNumber("recall_at_10", Math.Round(report.RecallAt10, 4));
            writer.WriteNumber("recall_at_k", Math.Round(report.RecallAtK, 4));
            writer.WriteNumber("all_evidence_at_10", Math.Round(report.AllEvidenceAt10, 4));
            writer.WriteNumber("mrr", Math.Round(report.Mrr, 4));
            writer.WriteStartObject("recall_at_10_by_category");
            foreach (var category in report.Categories)
            {
                writer.WriteStartObject(category.Name);
                writer.WriteNumber("category", category.Category);
                writer.WriteNumber("questions", category.Questions);
                writer.WriteNumber("recall_at_10", Math.Round(category.RecallAt10, 4));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteStartObject("search_ms");
            writer.WriteNumber("p50", Math.Round(report.SearchP50Ms, 2));
            writer.WriteNumber("p95", Math.Round(report.SearchP95Ms, 2));
            writer.WriteEndObject();
            writer.WriteBoolean("approximate", report.Approximate);
            writer.WriteStartObject("ingestion");
            writer.WriteNumber("seconds", Math.Round(report.IngestionSeconds, 2));
            writer.WriteNumber("turns_per_second", Math.Round(report.TurnsPerSecond, 1));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string ReportText(LocomoReport report)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"LoCoMo: {report.Conversations} conversations, {report.Turns} turns, {report.Questions} questions (categories 1-4 with evidence)");
        text.AppendLine(c, $"recall@5             {report.RecallAt5:0.000}");
        text.AppendLine(c, $"recall@10            {report.RecallAt10:0.000}");
        if (report.K != 10)
        {
            text.AppendLine(c, $"recall@{report.K,-13} {report.RecallAtK:0.000}");
        }

        text.AppendLine(c, $"all evidence in @10  {report.AllEvidenceAt10:0.000}");
        text.AppendLine(c, $"MRR                  {report.Mrr:0.000}");
        foreach (var category in report.Categories)
        {
            text.AppendLine(c, $"  {category.Name,-12} recall@10 {category.RecallAt10:0.000} ({category.Questions} questions)");
        }

        text.AppendLine(c, $"search               p50 {report.SearchP50Ms:0.0} ms, p95 {report.SearchP95Ms:0.0} ms{(report.Approximate ? " (approximate index)" : "")}");
        text.Append(c, $"ingestion            {report.TurnsPerSecond:0} turns/s ({report.IngestionSeconds:0.0} s, local embeddings)");
        return text.ToString();
    }
}
