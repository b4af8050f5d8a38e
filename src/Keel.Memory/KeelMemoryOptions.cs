using Keel.Memory.Context;
using Keel.Memory.Ingestion;
using Keel.Memory.Retention;

namespace Keel.Memory;

/// <summary>What <see cref="MemoryServiceCollectionExtensions.AddKeelMemory"/> registers and how.</summary>
public sealed class KeelMemoryOptions
{
    /// <summary>Tuning of the memory service (retrieval).</summary>
    public MemoryOptions Memory { get; set; } = new();

    /// <summary>How contexts are assembled by default, for the runtime's sessions too.</summary>
    public ContextAssemblyOptions Context { get; set; } = ContextAssemblyOptions.Default;

    /// <summary>How session turns become memory, and whether a hosted service does it.</summary>
    public MemoryIngestionOptions Ingestion { get; set; } = new();

    /// <summary>How often scopes' retention policies are applied, and whether a hosted service does it.</summary>
    public MemoryRetentionOptions Retention { get; set; } = new();

    /// <summary>
    /// Whether the durable runtime's tasks in a session start from an assembled context (recent turns, a summary
    /// note and relevant memories) rather than the newest messages alone.
    /// </summary>
    public bool AssembleSessionContext { get; set; } = true;
}
