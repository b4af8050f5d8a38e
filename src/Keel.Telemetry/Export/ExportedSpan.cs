using Keel.Context;
using Keel.Tracing;

namespace Keel.Telemetry.Export;

/// <summary>
/// A committed span waiting to be exported, with the content it may carry when content capture is on: the context
/// window a model call saw and the answer (or tool result) its step recorded. Content is turned into attributes
/// only on the exporter's own thread, never while the step commits.
/// </summary>
internal readonly record struct ExportedSpan(SpanRecord Span, ContextSnapshot? Input = null, string? Output = null);
