using Keel.Memory.Context;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.Memory.Tests;

/// <summary>
/// The budget holds exactly over many budgets and shapes of session: the total is the independent token count of
/// the messages sent, never over the budget, and nothing left out over budget would have fit.
/// </summary>
public sealed class ContextAssemblyBudgetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Words =
        ["lighthouse", "storm", "keeper", "cat", "Lisbon", "tuesday", "peanuts", "the", "a", "ship", "logbook", "🌊", "naïve", "42", "café", "—", "re-check", "don't"];

    private static string Sentence(Random random, int min, int max) =>
        string.Join(' ', Enumerable.Range(0, random.Next(min, max)).Select(_ => Words[random.Next(Words.Length)])) + (random.Next(3) == 0 ? "." : "");

    private static async Task<(string Session, MemoryRecord[] Memories)> ShapeAsync(ContextAssemblyKit kit, int seed)
    {
        var random = new Random(seed);
        var session = await kit.NewSessionAsync(Ct);
        var messages = new List<ChatMessage>();
        var turns = random.Next(0, 25);
        for (var i = 0; i < turns; i++)
        {
            if (random.Next(6) == 0)
            {
                messages.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent($"c{i}", "lookup", new Dictionary<string, object?> { ["q"] = Sentence(random, 1, 4) })]));
                messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent($"c{i}", Sentence(random, 1, 30))]));
            }
            else
            {
                messages.Add(new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, Sentence(random, 1, 60)));
            }
        }

        var said = messages.Count > 0 ? await kit.SayAsync(session, messages, cancellationToken: Ct) : [];
        var memories = new List<MemoryRecord>();
        for (var i = random.Next(0, 15); i > 0; i--)
        {
            // Some memories are turns of this very session (by source), the rest from elsewhere.
            if (said.Count > 0 && random.Next(4) == 0)
            {
                var turn = said[random.Next(said.Count)];
                memories.Add(await kit.RememberAsync($"{turn.Role}: {Sentence(random, 1, 5)}", session, turn.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), ContextAssemblyKit.T0.AddHours(i), Ct));
            }
            else
            {
                memories.Add(await kit.RememberAsync($"user: {Sentence(random, 2, 40)}", "elsewhere", null, ContextAssemblyKit.T0.AddHours(-i), Ct));
            }
        }

        return (session, [.. memories.DistinctBy(m => m.Id)]);
    }

    [Fact]
    public async Task Over_many_budgets_the_total_is_exact_within_budget_and_nothing_left_out_would_fit()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var checkedContexts = 0;
        for (var seed = 1; seed <= 12; seed++)
        {
            var (session, memories) = await ShapeAsync(kit, seed);
            var assembler = new ContextAssembler(kit.Store, ContextAssemblyKit.Hits(memories));
            var random = new Random(seed * 7919);
            var options = new ContextAssemblyOptions { RecentTurnsShare = random.NextDouble(), MemoriesShare = random.NextDouble() };
            var everything = await assembler.BuildContextAsync(kit.CustomerId, session, "storm", 1_000_000, options, Ct);
            var budgets = Enumerable.Range(0, 60).Select(_ => random.Next(0, everything.TotalTokens + 20)).Concat([0, 1, 5, everything.TotalTokens]);
            foreach (var budget in budgets)
            {
                var context = await assembler.BuildContextAsync(kit.CustomerId, session, "storm", budget, options, Ct);
                Check(context, budget, memories.Length, $"seed {seed}, budget {budget}");
                checkedContexts++;
            }
        }

        Assert.True(checkedContexts > 700);
    }

    private static void Check(AssembledContext context, int budget, int memoryCount, string where)
    {
        Assert.True(ContextAssemblyKit.Count(context.Messages) == context.TotalTokens, $"{where}: the total is not the messages' count");
        Assert.True(context.TotalTokens <= budget, $"{where}: {context.TotalTokens} over the budget");
        foreach (var left in context.LeftOut.Where(l => l.Reason == ContextLeftOutReason.OverBudget))
        {
            var with = context.TokensWith(left.Item);
            Assert.True(with > budget, $"{where}: {left.Item.Id} ({left.Item.Kind}) would have fit: {with} tokens");
        }

        // Every candidate is accounted for exactly once, and duplicates of kept turns name a turn that is in.
        var memoriesSeen = context.Included.Concat(context.LeftOut.Select(l => l.Item)).Where(i => i.Kind == ContextItemKind.Memory).Select(i => i.Id).ToList();
        Assert.Equal(memoriesSeen.Distinct().Count(), memoriesSeen.Count);
        Assert.True(memoriesSeen.Count <= memoryCount, where);
        var kept = context.Included.Where(i => i.Kind == ContextItemKind.RecentTurn).SelectMany(i => i.Messages).Select(m => m.Seq).ToList();
        Assert.Equal(kept.Order(), kept);
        if (kept.Count > 0)
        {
            Assert.True(Enumerable.Range((int)kept[0], kept.Count).Select(s => (long)s).SequenceEqual(kept), $"{where}: kept {string.Join(',', kept)}; {string.Join(" | ", context.Included.Select(i => i.Id + "=" + string.Join(',', i.Messages.Select(m => m.Seq + m.Role))))}");
        }

        foreach (var memory in context.Included.Where(i => i.Kind == ContextItemKind.Memory))
        {
            Assert.False(memory.Memory!.Memory.Source.SessionId != "elsewhere" && kept.Contains(long.Parse(memory.Memory.Memory.Source.MessageId!, System.Globalization.CultureInfo.InvariantCulture)),
                $"{where}: {memory.Id} repeats a kept turn");
        }
    }
}
