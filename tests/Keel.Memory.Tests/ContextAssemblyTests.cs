using Keel.Memory.Context;
using Keel.Sessions;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.Memory.Tests;

public sealed class ContextAssemblyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChatMessage User(string text) => new(ChatRole.User, text);

    private static ChatMessage Assistant(string text) => new(ChatRole.Assistant, text);

    private static List<ChatMessage> Conversation(int turns) =>
        [.. Enumerable.Range(1, turns).Select(i => i % 2 == 1
            ? User($"Question {i}: what about the lighthouse keeper's {i}th logbook entry?")
            : Assistant($"Answer {i}: the entry mentions a storm and {i} ships passing the cape."))];

    [Fact]
    public async Task The_newest_turns_are_kept_and_sent_oldest_first_after_a_note_for_the_rest()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var session = await kit.NewSessionAsync(Ct);
        var said = await kit.SayAsync(session, Conversation(12), cancellationToken: Ct);
        var assembler = new ContextAssembler(kit.Store, ContextAssemblyKit.Hits());
        var perTurn = ContextAssemblyKit.Count([SessionMessages.ToChatMessage(said[^1])]);

        var context = await assembler.BuildContextAsync(kit.CustomerId, session, "storm", 5 * perTurn + 30, cancellationToken: Ct);

        var turns = context.Included.Where(i => i.Kind == ContextItemKind.RecentTurn).ToList();
        Assert.InRange(turns.Count, 3, 11);
        var firstKept = said.Count - turns.Count;
        Assert.Equal(said.Skip(firstKept).Select(m => m.Seq), turns.Select(t => t.Messages.Single().Seq));
        Assert.Equal(
            [SessionHistoryPolicy.OmittedNote(firstKept).Text, .. said.Skip(firstKept).Select(m => SessionMessages.ToChatMessage(m).Text)],
            context.Messages.Select(m => m.Text));
        Assert.Equal(ContextAssemblyKit.Count(context.Messages), context.TotalTokens);
        Assert.True(context.TotalTokens <= context.TokenBudget);

        var next = Assert.Single(context.LeftOut, l => l.Item.Id == $"turn:{said[firstKept - 1].Seq}");
        Assert.Equal(ContextLeftOutReason.OverBudget, next.Reason);
        Assert.True(context.TokensWith(next.Item) > context.TokenBudget);
        var withNext = new List<ChatMessage> { SessionHistoryPolicy.OmittedNote(firstKept - 1) };
        withNext.AddRange(said.Skip(firstKept - 1).Select(SessionMessages.ToChatMessage));
        Assert.Equal(ContextAssemblyKit.Count(withNext), context.TokensWith(next.Item));
        Assert.All(context.LeftOut, l => Assert.Equal(ContextLeftOutReason.OverBudget, l.Reason));
        Assert.Equal(firstKept, context.LeftOut.Count);
    }

    [Fact]
    public async Task Memories_from_earlier_sessions_are_added_but_not_the_turns_already_in_the_context()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var earlier = await kit.NewSessionAsync(Ct);
        var session = await kit.NewSessionAsync(Ct);
        var said = await kit.SayAsync(session, [User("My flight to Lisbon is on Tuesday."), Assistant("Noted: Lisbon, Tuesday.")], ContextAssemblyKit.T0.AddDays(3), cancellationToken: Ct);
        var fromEarlier = await kit.RememberAsync("user: I am allergic to peanuts.", earlier, "4", ContextAssemblyKit.T0, Ct);
        var sameTurnBySource = await kit.RememberAsync("user: My flight to Lisbon is on Tuesday.", session, "1", ContextAssemblyKit.T0.AddDays(3), Ct);
        var sameTurnByText = await kit.RememberAsync("assistant: Noted: Lisbon, Tuesday.", cancellationToken: Ct);
        var assembler = new ContextAssembler(kit.Store, ContextAssemblyKit.Hits(sameTurnBySource, fromEarlier, sameTurnByText));

        var context = await assembler.BuildContextAsync(kit.CustomerId, session, "what should the airline meal avoid?", 500, cancellationToken: Ct);

        Assert.Equal([ContextItemKind.Memory, ContextItemKind.RecentTurn, ContextItemKind.RecentTurn], context.Included.Select(i => i.Kind));
        Assert.Equal(fromEarlier.Id, context.Included[0].Id);
        Assert.Equal(ChatRole.System, context.Messages[0].Role);
        Assert.Contains("- [2026-03-01 09:00] user: I am allergic to peanuts.", context.Messages[0].Text, StringComparison.Ordinal);
        Assert.Equal(said.Select(m => SessionMessages.ToChatMessage(m).Text), context.Messages.Skip(1).Select(m => m.Text));
        Assert.Equal(
            [(sameTurnBySource.Id, ContextLeftOutReason.DuplicateOfRecentTurn), (sameTurnByText.Id, ContextLeftOutReason.DuplicateOfRecentTurn)],
            context.LeftOut.Select(l => (l.Item.Id, l.Reason)));
        Assert.Equal(ContextAssemblyKit.Count(context.Messages), context.TotalTokens);
    }

    [Fact]
    public async Task Superseded_and_repeated_memories_are_left_out_with_their_reason()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var session = await kit.NewSessionAsync(Ct);
        await kit.SayAsync(session, [User("Where do I live now?")], cancellationToken: Ct);
        var scope = new MemoryScope(kit.CustomerId);
        var old = (await kit.Store.AddMemoriesAsync([new NewMemory(scope, MemoryKind.Semantic, "The user lives in Porto.") { FactKey = "user.city" }], Ct))[0].Memory;
        var current = (await kit.Store.AddMemoriesAsync([new NewMemory(scope, MemoryKind.Semantic, "The user lives in Lisbon.") { FactKey = "user.city" }], Ct))[0].Memory;
        var history = await kit.Store.GetMemoryHistoryAsync(kit.CustomerId, current.Id, Ct);
        var oldNow = Assert.Single(history, m => m.Id == old.Id);
        var echo = await kit.RememberAsync("the user lives in lisbon.", "elsewhere", cancellationToken: Ct);
        var assembler = new ContextAssembler(kit.Store, ContextAssemblyKit.Hits(current, oldNow, echo));

        var context = await assembler.BuildContextAsync(kit.CustomerId, session, null, 500, cancellationToken: Ct);

        Assert.Equal([current.Id, "turn:1"], context.Included.Select(i => i.Id));
        Assert.Equal(
            [(oldNow.Id, ContextLeftOutReason.Superseded), (echo.Id, ContextLeftOutReason.Duplicate)],
            context.LeftOut.Select(l => (l.Item.Id, l.Reason)));
    }

    [Fact]
    public async Task A_tool_call_travels_with_its_results_and_an_orphaned_result_is_never_sent()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var session = await kit.NewSessionAsync(Ct);
        await kit.SayAsync(session,
        [
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c0", "old result")]),
            User("What is the weather in Lisbon?"),
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "weather", new Dictionary<string, object?> { ["city"] = "Lisbon" })]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "21C and sunny")]),
            Assistant("It is 21C and sunny in Lisbon."),
        ], cancellationToken: Ct);
        var assembler = new ContextAssembler(kit.Store, ContextAssemblyKit.Hits());

        var everything = await assembler.BuildContextAsync(kit.CustomerId, session, null, 10_000, cancellationToken: Ct);

        Assert.Equal(["summary", "turn:2", "turn:3", "turn:5"], everything.Included.Select(i => i.Id));
        Assert.Equal([2L, 3L, 4L, 5L], everything.Included.SelectMany(i => i.Messages).Select(m => m.Seq));
        var orphan = Assert.Single(everything.LeftOut);
        Assert.Equal(("turn:1", ContextLeftOutReason.OrphanedToolResult), (orphan.Item.Id, orphan.Reason));
        Assert.Equal("[Session history: 1 earlier message was left out to fit the context budget.]", everything.Messages[0].Text);

        var tight = await assembler.BuildContextAsync(kit.CustomerId, session, null, everything.TotalTokens - 1, cancellationToken: Ct);

        Assert.True(tight.Messages.SkipWhile(m => m.Role == ChatRole.System).FirstOrDefault()?.Role != ChatRole.Tool);
        Assert.All(tight.Included.Where(i => i.Messages.Any(m => m.Role == "tool")), i => Assert.Equal("assistant", i.Messages[0].Role));
    }

    [Fact]
    public async Task Shares_give_memories_their_claim_before_older_turns()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var session = await kit.NewSessionAsync(Ct);
        await kit.SayAsync(session, Conversation(30), cancellationToken: Ct);
        var memories = new List<MemoryRecord>();
        for (var i = 0; i < 10; i++)
        {
            memories.Add(await kit.RememberAsync($"user: fact number {i} about the keeper's cat, who is called Biscuit {i}.", "earlier", cancellationToken: Ct));
        }

        var assembler = new ContextAssembler(kit.Store, ContextAssemblyKit.Hits([.. memories]));

        var memoryFirst = await assembler.BuildContextAsync(kit.CustomerId, session, "cat", 400,
            new ContextAssemblyOptions { RecentTurnsShare = 0.1, MemoriesShare = 0.8 }, Ct);
        var turnsFirst = await assembler.BuildContextAsync(kit.CustomerId, session, "cat", 400,
            new ContextAssemblyOptions { RecentTurnsShare = 0.9, MemoriesShare = 0.1 }, Ct);

        var memoriesIn = (AssembledContext c) => c.Included.Count(i => i.Kind == ContextItemKind.Memory);
        Assert.True(memoriesIn(memoryFirst) > memoriesIn(turnsFirst), $"{memoriesIn(memoryFirst)} vs {memoriesIn(turnsFirst)}");
        Assert.Equal(memories.Take(memoriesIn(memoryFirst)).Select(m => m.Id).Order(), memoryFirst.Included.Where(i => i.Kind == ContextItemKind.Memory).Select(i => i.Id).Order());
        Assert.All([memoryFirst, turnsFirst], c => Assert.True(c.TotalTokens <= 400));
    }
}
