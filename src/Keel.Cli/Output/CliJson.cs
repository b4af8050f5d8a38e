using System.Text.Json;
using System.Text.Json.Serialization;
using Keel.Samples.Demo;

namespace Keel.Cli.Output;

/// <summary>The JSON the CLI prints: snake_case keys, source-generated so the CLI stays trimmable.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DemoSummary))]
[JsonSerializable(typeof(List<TaskRow>))]
[JsonSerializable(typeof(TraceDocument))]
[JsonSerializable(typeof(StepDocument))]
[JsonSerializable(typeof(Commands.KeyCreated))]
[JsonSerializable(typeof(List<Commands.BudgetRow>))]
[JsonSerializable(typeof(Commands.CostReport))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(object[]))]
internal sealed partial class CliJson : JsonSerializerContext
{
    public static async Task WriteAsync<T>(TextWriter output, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        await output.WriteLineAsync(JsonSerializer.Serialize(value, type)).ConfigureAwait(false);
    }
}

internal sealed record TaskRow(
    string Id,
    string Status,
    string Agent,
    string CustomerId,
    int Steps,
    int ModelCalls,
    int Retries,
    int Fallbacks,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    double? DurationMs,
    DateTimeOffset CreatedAt,
    string? Error);

internal sealed record TraceDocument(TaskRow Task, string? Input, string? Output, IReadOnlyList<TraceStep> Steps, IReadOnlyList<TraceSpan> Spans);

internal sealed record TraceStep(
    int Seq,
    string Kind,
    string Name,
    string Status,
    int Attempts,
    int Retries,
    int Fallbacks,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    double DurationMs,
    string? Error);

internal sealed record TraceSpan(
    string SpanId,
    string? ParentSpanId,
    int? StepSeq,
    string Name,
    string Status,
    string? StatusMessage,
    DateTimeOffset StartTime,
    double DurationMs,
    IReadOnlyDictionary<string, object?> Attributes,
    string? SnapshotId);
