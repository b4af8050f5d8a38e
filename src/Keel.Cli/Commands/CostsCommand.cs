using System.CommandLine;
using System.Globalization;
using Keel.Cli.Output;
using Keel.Storage;
using Keel.Storage.Sqlite;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel costs`: model, tool and human cost, per task and per successful outcome.</summary>
internal static class CostsCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var by = new Option<CostGrouping>("--by") { Description = "Group by task, customer, agent, model or day (all: one row).", DefaultValueFactory = _ => CostGrouping.Agent };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only usage from this time on (ISO 8601, e.g. 2026-11-01).", HelpName = "TIME" };
        var command = new Command("costs", """
            The true cost of agent work: model, tool and human-oversight cost, the human-to-model cost ratio, cost per
            task, and cost per successful outcome (all spending divided by the outcomes reported as success).
            """)
        {
            by, since, db, json,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var rows = await store.CostReportAsync(parse.GetValue(by), parse.GetValue(since) ?? DateTimeOffset.MinValue, cancellationToken).ConfigureAwait(false);
            var totals = await store.CostReportAsync(CostGrouping.All, parse.GetValue(since) ?? DateTimeOffset.MinValue, cancellationToken).ConfigureAwait(false);
            var total = totals.Count > 0 ? totals[0] : new CostRow("total", 0, 0, 0, 0, 0, 0);
            if (parse.GetValue(json))
            {
                var document = new CostReport(parse.GetValue(by).ToString().ToLowerInvariant(), rows.Select(CostLine.From).ToList(), CostLine.From(total));
                await CliJson.WriteAsync(console.Output, document, CliJson.Default.CostReport).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns(parse.GetValue(by).ToString(), "Model", "Tools", "Human", "Total", "Human:model", "Tasks", "Per task", "Successes", "Per success");
            foreach (var row in rows.Append(total))
            {
                table.AddRow(Markup.Escape(row.Key), Format.Usd(row.ModelUsd), Format.Usd(row.ToolUsd), Format.Usd(row.HumanUsd), Format.Usd(row.TotalUsd),
                    row.HumanToModelRatio is { } ratio ? ratio.ToString("0.0", CultureInfo.InvariantCulture) + " : 1" : "-",
                    Format.Count(row.Tasks), row.CostPerTask is { } perTask ? Format.Usd(perTask) : "-",
                    Format.Count(row.SuccessfulOutcomes), row.CostPerSuccessfulOutcome is { } perSuccess ? Format.Usd(perSuccess) : "-");
            }

            console.Out.Write(table);
            return 0;
        }));
        return command;
    }
}

internal sealed record CostReport(string GroupedBy, IReadOnlyList<CostLine> Rows, CostLine Total);

internal sealed record CostLine(
    string Key,
    decimal ModelUsd,
    decimal ToolUsd,
    decimal HumanUsd,
    decimal TotalUsd,
    double HumanSeconds,
    decimal? HumanToModelRatio,
    long Tasks,
    decimal? CostPerTaskUsd,
    long SuccessfulOutcomes,
    decimal? CostPerSuccessfulOutcomeUsd)
{
    public static CostLine From(CostRow r) => new(r.Key, r.ModelUsd, r.ToolUsd, r.HumanUsd, r.TotalUsd, r.HumanSeconds, r.HumanToModelRatio,
        r.Tasks, r.CostPerTask, r.SuccessfulOutcomes, r.CostPerSuccessfulOutcome);
}
