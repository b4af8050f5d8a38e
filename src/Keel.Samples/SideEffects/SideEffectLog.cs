using System.Globalization;
using System.Text;
using Keel.Agents;
using Microsoft.Extensions.AI;

namespace Keel.Samples.SideEffects;

/// <summary>
/// What the sample tools did to the world, in a file a crash test (or a curious operator) can count. Every tool
/// execution appends an <c>execute</c> line, and a tool that changes the world (a refund, a paid query) applies its
/// change only when no <c>effect</c> line holds its call's idempotency key yet, then appends one. That check is
/// what a payment API does with an Idempotency-Key header, and what a real tool must do with
/// <see cref="Tasks.ToolCall.IdempotencyKey"/>: a crash between a tool's effect and its step's commit runs the tool
/// again on resume, with the same key.
/// </summary>
/// <remarks>
/// Lines are tab-separated: kind, idempotency key (<c>-</c> outside a Keel task), tool, process id, UTC time of
/// the line (ISO 8601). Each line is written with one write and flushed, so it survives the process being killed.
/// The check and the append happen under an exclusive lock on the file, so workers in several processes count each
/// key once.
/// </remarks>
public sealed class SideEffectLog(string path)
{
    /// <summary>The environment variable that turns the sample tools' log on: the file to append to.</summary>
    public const string Variable = "KEEL_SIDE_EFFECT_LOG";
    public const string Execute = "execute";
    public const string Effect = "effect";

    // One writer at a time in this process; the file lock keeps other processes out.
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The log the sample tools write: the file <c>KEEL_SIDE_EFFECT_LOG</c> names, or none (nothing written, every effect applies).</summary>
    public static SideEffectLog? Current { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } file ? new SideEffectLog(file) : null;

    public string Path { get; } = path;

    /// <summary>Notes in <see cref="Current"/> that <paramref name="tool"/> runs, as the call <paramref name="arguments"/> carry.</summary>
    public static Task ExecutingAsync(AIFunctionArguments arguments, string tool, CancellationToken cancellationToken = default) =>
        Current?.AppendAsync(Execute, KeyOf(arguments), tool, once: false, cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Applies the call's effect in <see cref="Current"/> unless an earlier run of the same call already did: true
    /// when it applied now, false when the key was already in the ledger (the effect happened once, before a crash).
    /// </summary>
    public static Task<bool> TryApplyAsync(AIFunctionArguments arguments, string tool, CancellationToken cancellationToken = default) =>
        Current?.AppendAsync(Effect, KeyOf(arguments), tool, once: true, cancellationToken) ?? Task.FromResult(true);

    /// <summary>Appends an <c>execute</c> line for the call with <paramref name="idempotencyKey"/>.</summary>
    public Task ExecutingAsync(string? idempotencyKey, string tool, CancellationToken cancellationToken = default) =>
        AppendAsync(Execute, idempotencyKey, tool, once: false, cancellationToken);

    /// <summary>Appends an <c>effect</c> line unless one holds <paramref name="idempotencyKey"/> already; true when it did.</summary>
    public Task<bool> TryApplyAsync(string? idempotencyKey, string tool, CancellationToken cancellationToken = default) =>
        AppendAsync(Effect, idempotencyKey, tool, once: true, cancellationToken);

    private static string? KeyOf(AIFunctionArguments arguments) => arguments?.KeelCall()?.IdempotencyKey;

    private async Task<bool> AppendAsync(string kind, string? key, string tool, bool once, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var file = await OpenExclusiveAsync(cancellationToken).ConfigureAwait(false);
            if (once && key is not null && await HoldsAsync(file, kind, key, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var line = string.Join('\t', kind, key ?? "-", tool, Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)) + "\n";
            file.Seek(0, SeekOrigin.End);
            await file.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<bool> HoldsAsync(FileStream file, string kind, string key, CancellationToken cancellationToken)
    {
        var prefix = $"{kind}\t{key}\t";
        using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Opens the file for this process alone (on Unix, .NET takes an advisory <c>flock</c> for FileShare.None),
    /// waiting briefly while another process holds it.
    /// </summary>
    private async Task<FileStream> OpenExclusiveAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 500 && File.Exists(Path))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
