using System.CommandLine;
using System.Globalization;
using Keel.Budgets;
using Keel.Cli.Output;
using Keel.Storage;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel budgets [set|events]`: spending caps on keys, customers, sessions, tasks and agents.</summary>
internal static class BudgetsCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var command = new Command("budgets", """
            List budgets with what their current period has spent. Every model call reserves its worst-case cost on
            each budget that applies before any provider is called, so a budget is never overspent; a call that does
            not fit is refused (HTTP 402 budget_exceeded at the gateway).
            """)
        {
            db, json,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var rows = new List<BudgetRow>();
            foreach (var budget in await store.ListBudgetsAsync(cancellationToken).ConfigureAwait(false))
            {
                var start = budget.PeriodStart(DateTimeOffset.UtcNow);
                var spent = await store.SpentAsync(budget.Scope, budget.ScopeId, budget.CustomerId, start, cancellationToken).ConfigureAwait(false);
                rows.Add(new BudgetRow(budget.Id, budget.Scope.ToString().ToLowerInvariant(), budget.ScopeId, budget.CustomerId, budget.LimitUsd, spent, 0,
                    budget.LimitUsd - spent, budget.Period.ToString().ToLowerInvariant(), start == DateTimeOffset.MinValue ? null : start, budget.Thresholds, budget.WebhookUrl));
            }

            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(console.Output, rows, CliJson.Default.ListBudgetRow).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("Budget", "Scope", "Of", "Period", "Limit", "Spent", "Left", "Used");
            foreach (var row in rows)
            {
                var used = row.LimitUsd == 0 ? 1 : row.SpentUsd / row.LimitUsd;
                table.AddRow(row.Id, row.Scope, Markup.Escape(row.ScopeId), row.Period, Format.Usd(row.LimitUsd), Format.Usd(row.SpentUsd), Format.Usd(row.RemainingUsd),
                    (used >= 1 ? "[red]" : used >= 0.8m ? "[yellow]" : "[green]") + used.ToString("P0", CultureInfo.InvariantCulture) + "[/]");
            }

            console.Out.Write(table);
            console.Out.MarkupLine("[grey]Reservations of calls in flight live in the serving process; this view shows settled spending.[/]");
            return 0;
        }));
        command.Subcommands.Add(Set(console));
        command.Subcommands.Add(Events(console));
        return command;
    }

    private static Command Set(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var customer = new Option<string?>("--customer") { Description = "A customer's budget (name or id); with --agent, whose agent.", HelpName = "NAME" };
        var key = new Option<string?>("--key") { Description = "An API key's budget (its id, key_...).", HelpName = "ID" };
        var session = new Option<string?>("--session") { Description = "A session's budget.", HelpName = "ID" };
        var task = new Option<string?>("--task") { Description = "A task's budget.", HelpName = "ID" };
        var agent = new Option<string?>("--agent") { Description = "An agent's budget (needs --customer).", HelpName = "NAME" };
        var limit = new Option<decimal>("--limit-usd") { Description = "The cap in USD.", Required = true, HelpName = "USD" };
        var period = new Option<BudgetPeriod>("--period") { Description = "total (never resets), daily or monthly (calendar-aligned, UTC).", DefaultValueFactory = _ => BudgetPeriod.Total };
        var thresholds = new Option<string>("--thresholds") { Description = "Shares of the limit that emit an alert event when crossed.", DefaultValueFactory = _ => "0.5,0.8,1", HelpName = "LIST" };
        var webhook = new Option<string?>("--webhook") { Description = "A URL that receives each alert as a JSON POST.", HelpName = "URL" };
        limit.Validators.Add(r => { if (r.Tokens.Count > 0 && decimal.TryParse(r.Tokens[0].Value, CultureInfo.InvariantCulture, out var v) && v < 0) r.AddError("--limit-usd must not be negative."); });

        var command = new Command("set", "Set (create or change) the budget of one scope.") { customer, key, session, task, agent, limit, period, thresholds, webhook, db, json };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            var (scope, scopeId, customerId) = await ResolveScopeAsync(store, parse.GetValue(customer), parse.GetValue(key), parse.GetValue(session), parse.GetValue(task), parse.GetValue(agent), cancellationToken).ConfigureAwait(false);
            var budget = await store.UpsertBudgetAsync(new Budget
            {
                Id = KeelIds.New("bud"),
                Scope = scope,
                ScopeId = scopeId,
                CustomerId = customerId,
                LimitUsd = parse.GetValue(limit),
                Period = parse.GetValue(period),
                Thresholds = ParseThresholds(parse.GetValue(thresholds)!),
                WebhookUrl = parse.GetValue(webhook),
                CreatedAt = DateTimeOffset.UtcNow,
            }, cancellationToken).ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync($"keel: budget {budget.Id}: {scope.ToString().ToLowerInvariant()} {scopeId}, {Format.Usd(budget.LimitUsd)} {budget.Period.ToString().ToLowerInvariant()}.").ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync($"{{\"id\":\"{budget.Id}\"}}").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    private static Command Events(CliConsole console)
    {
        var db = CommonOptions.Db();
        var command = new Command("events", "List threshold alerts, newest first.") { db };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var table = new Table().AddColumns("At (UTC)", "Budget", "Threshold", "Spent", "Limit");
            foreach (var e in await store.ListBudgetEventsAsync(100, cancellationToken).ConfigureAwait(false))
            {
                table.AddRow(e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.BudgetId, e.Threshold.ToString("P0", CultureInfo.InvariantCulture), Format.Usd(e.SpentUsd), Format.Usd(e.LimitUsd));
            }

            console.Out.Write(table);
            return 0;
        }));
        return command;
    }

    private static async Task<(BudgetScope Scope, string ScopeId, string CustomerId)> ResolveScopeAsync(
        IKeelStore store, string? customer, string? key, string? session, string? task, string? agent, CancellationToken cancellationToken)
    {
        var named = new[] { key, session, task, agent }.Count(v => v is not null);
        if (named > 1 || (named == 0 && customer is null))
        {
            throw new FormatException("Name exactly one scope: --customer, --key, --session, --task, or --agent with --customer.");
        }

        if (key is not null)
        {
            var found = (await store.ListApiKeysAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(k => k.Id == key)
                ?? throw new FormatException($"No API key '{key}' (see `keel keys list`).");
            return (BudgetScope.Key, key, found.CustomerId);
        }

        if (task is not null)
        {
            var found = await store.FindTaskAsync(task, cancellationToken).ConfigureAwait(false) ?? throw new FormatException($"No task '{task}'.");
            return (BudgetScope.Task, found.Id, found.CustomerId);
        }

        var owner = customer is null ? null : await store.EnsureCustomerAsync(customer, cancellationToken).ConfigureAwait(false);
        if (session is not null)
        {
            if (owner is null)
            {
                throw new FormatException("A session budget needs --customer: the customer the session belongs to.");
            }

            var found = await store.EnsureSessionAsync(session, owner.Id, cancellationToken).ConfigureAwait(false);
            return found.CustomerId == owner.Id ? (BudgetScope.Session, session, owner.Id) : throw new FormatException($"Session '{session}' belongs to another customer.");
        }

        if (agent is not null)
        {
            return owner is null ? throw new FormatException("An agent budget needs --customer: whose agent it is.") : (BudgetScope.Agent, agent, owner.Id);
        }

        return (BudgetScope.Customer, owner!.Id, owner.Id);
    }

    private static List<decimal> ParseThresholds(string text)
    {
        var values = new List<decimal>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!decimal.TryParse(part, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 10)
            {
                throw new FormatException($"--thresholds: '{part}' is not a share of the limit such as 0.8.");
            }

            values.Add(value);
        }

        return values;
    }
}

internal sealed record BudgetRow(
    string Id,
    string Scope,
    string ScopeId,
    string CustomerId,
    decimal LimitUsd,
    decimal SpentUsd,
    decimal ReservedUsd,
    decimal RemainingUsd,
    string Period,
    DateTimeOffset? PeriodStart,
    IReadOnlyList<decimal> Thresholds,
    string? WebhookUrl);
