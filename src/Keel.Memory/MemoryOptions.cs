namespace Keel.Memory;

/// <summary>Tuning of the memory service. SCAFFOLD: the retrieval helper adds what it needs (batch size, ANN threshold...).</summary>
public sealed class MemoryOptions
{
}
