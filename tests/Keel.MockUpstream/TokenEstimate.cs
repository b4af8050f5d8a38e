namespace Keel.MockUpstream;

/// <summary>The mock's stand-in for a tokenizer: chars / 4, rounded up, at least 1. Stable is all callers need.</summary>
internal static class TokenEstimate
{
    public static int FromChars(long chars) => (int)Math.Clamp((chars + 3) / 4, 1, int.MaxValue);
}
