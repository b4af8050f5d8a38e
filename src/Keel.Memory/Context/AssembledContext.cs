using Microsoft.Extensions.AI;

namespace Keel.Memory.Context;

/// <summary>
/// The context a run starts from: the messages to send, what they are made of, what was left out and why, and
/// their exact token count.
/// </summary>
/// <param name="Messages">In the order to send them: the memory block, the summary note, then the recent turns oldest first.</param>
/// <param name="Included">The items the messages carry, in the same order.</param>
/// <param name="TotalTokens">
/// The exact tokens of <paramref name="Messages"/> as the model counts them (text plus per-message framing, the
/// amount they add to a prompt); never more than <paramref name="TokenBudget"/>.
/// </param>
public sealed record AssembledContext(
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<ContextItem> Included,
    IReadOnlyList<ContextLeftOut> LeftOut,
    int TotalTokens,
    int TokenBudget)
{
    internal ContextLayout? Layout { get; init; }

    internal Choice? Choice { get; init; }

    /// <summary>
    /// The total this context would have with <paramref name="item"/> added (a turn brings every newer turn with
    /// it, since turns are kept as an unbroken run up to the newest): how to check that what was left out over
    /// budget truly did not fit.
    /// </summary>
    public int TokensWith(ContextItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (Layout is null || Choice is null)
        {
            return TotalTokens;
        }

        var choice = item.Kind switch
        {
            ContextItemKind.Summary => Choice with { Summary = true },
            ContextItemKind.Memory => Choice with
            {
                Memories = [.. Choice.Memories.Union([IndexOf(Layout.Memories, item)])],
            },
            _ => Choice with { Kept = Math.Max(Choice.Kept, IndexOf(Layout.Units.Select(u => u.Item).ToList(), item) + 1) },
        };
        return Layout.Total(choice);
    }

    private static int IndexOf(IReadOnlyList<ContextItem> items, ContextItem item)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Id == item.Id)
            {
                return i;
            }
        }

        throw new ArgumentException($"{item.Id} is not a candidate of this context.", nameof(item));
    }
}
