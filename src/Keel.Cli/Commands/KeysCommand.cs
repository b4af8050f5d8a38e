using System.CommandLine;
using Keel.Access;
using Keel.Cli.Output;
using Keel.Storage.Sqlite;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel keys create|list`: the virtual API keys clients present to the gateway.</summary>
internal static class KeysCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("keys", "Manage the API keys clients use with the gateway. Keys are stored hashed; a key's secret is shown once.");
        command.Subcommands.Add(CreateKey(console));
        command.Subcommands.Add(ListKeys(console));
        return command;
    }

    private static Command CreateKey(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var customer = new Option<string>("--customer") { Description = "The customer the key acts for (created if new).", Required = true, HelpName = "NAME" };
        var name = new Option<string?>("--name") { Description = "A label to tell keys apart.", HelpName = "LABEL" };
        var command = new Command("create", "Create a key for a customer and print its secret (only this once).") { customer, name, db, json };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            var owner = await store.EnsureCustomerAsync(parse.GetValue(customer)!, cancellationToken).ConfigureAwait(false);
            var (key, secret) = ApiKeySecrets.Create(owner.Id, parse.GetValue(name), DateTimeOffset.UtcNow);
            await store.CreateApiKeyAsync(key, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(console.Output, new KeyCreated(key.Id, owner.Name, owner.Id, secret), CliJson.Default.KeyCreated).ConfigureAwait(false);
            }
            else
            {
                await console.Output.WriteLineAsync(secret).ConfigureAwait(false);
                await console.ErrorWriter.WriteLineAsync($"keel: key {key.Id} for customer '{owner.Name}'. Store the secret now: Keel keeps only its hash.").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    private static Command ListKeys(CliConsole console)
    {
        var db = CommonOptions.Db();
        var command = new Command("list", "List keys (ids, customers, prefixes; never secrets).") { db };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var table = new Table().AddColumns("Key", "Customer", "Prefix", "Name", "Created (UTC)", "Revoked");
            foreach (var key in await store.ListApiKeysAsync(cancellationToken).ConfigureAwait(false))
            {
                table.AddRow(key.Id, key.CustomerId, Markup.Escape(key.Prefix) + "…", Markup.Escape(key.Name ?? ""),
                    key.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), key.RevokedAt is null ? "" : "yes");
            }

            console.Out.Write(table);
            return 0;
        }));
        return command;
    }
}

internal sealed record KeyCreated(string Id, string Customer, string CustomerId, string Key);
