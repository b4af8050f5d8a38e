namespace Keel.MockUpstream;

/// <summary>One spec string's parsed behaviour and its request counter (which drives fail-first and rate).</summary>
internal sealed class Scenario
{
    private long _count;

    public Scenario(string text)
    {
        Text = text;
        if (ScenarioSpec.TryParse(text, out var spec, out var error))
        {
            Spec = spec;
        }
        else
        {
            Spec = ScenarioSpec.Normal;
            Error = error;
        }
    }

    public string Text { get; }

    public ScenarioSpec Spec { get; }

    /// <summary>Why the spec could not be parsed; such a scenario answers every request with a 400 saying so.</summary>
    public string? Error { get; }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Counts one more request and returns its 1-based number.</summary>
    public long Next() => Interlocked.Increment(ref _count);
}
