using Xunit;

namespace Keel.Server.Tests.Harness;

/// <summary>Tests that measure latency or load the machine run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
