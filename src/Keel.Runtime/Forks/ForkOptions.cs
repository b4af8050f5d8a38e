using Keel.Routing;

namespace Keel.Forks;

/// <summary>How a fork differs from the task it is forked from.</summary>
public sealed record ForkOptions
{
    /// <summary>
    /// A model alias that every live model call of the fork uses instead of the one the agent's code names: "would
    /// the larger model have got this right?". Reused model steps keep the answer they had. Null keeps the source's
    /// own override, if it was itself a fork with one.
    /// </summary>
    public string? ModelOverride { get; init; }

    /// <summary>
    /// Replaces the result of the last reused step (the step before the fork point), so the agent carries on
    /// from a result it never got: "what if the tool had returned this?". How the text becomes the step's result
    /// depends on the step's kind; see <see cref="TaskForks"/>. Null reuses every result as recorded.
    /// </summary>
    public string? EditMessage { get; init; }

    /// <summary>
    /// The aliases the fork will be able to call. When given, <see cref="ModelOverride"/> must be one of them, so a
    /// typo fails now instead of at the fork's first live model call.
    /// </summary>
    public ModelCatalog? Models { get; init; }

    public TimeProvider? TimeProvider { get; init; }
}
