namespace Keel.Server.Tests.Harness;

/// <summary>The provider key the gateway sends upstream, read from an environment variable as a real config would.</summary>
internal static class UpstreamKey
{
    public const string Variable = "KEEL_SERVER_TESTS_UPSTREAM_KEY";
    public const string Value = "sk-upstream-test-key";

    /// <summary>Sets the variable; every test sets the same value, so running in parallel is harmless.</summary>
    public static void Ensure() => Environment.SetEnvironmentVariable(Variable, Value);
}
