using Keel.Providers;
using Keel.Providers.Simulated;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.Runtime.Tests;

public sealed class SimulatedChatClientTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.System, "You are terse."), new(ChatRole.User, "Summarise the quarterly report.")];

    [Fact]
    public async Task Same_seed_and_requests_give_the_same_answers_and_usage()
    {
        var first = await Sim.Client(seed: 7).GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken);
        var second = await Sim.Client(seed: 7).GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken);
        var other = await Sim.Client(seed: 8).GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Usage!.OutputTokenCount, second.Usage!.OutputTokenCount);
        Assert.NotEqual(first.Text, other.Text);
    }

    [Fact]
    public async Task Usage_counts_prompt_and_answer_tokens()
    {
        var response = await Sim.Client().GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.InRange(response.Usage!.InputTokenCount!.Value, 10, 40);
        Assert.True(response.Usage.OutputTokenCount > 10);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.Equal("sim-fast", response.ModelId);
    }

    [Fact]
    public async Task Max_tokens_truncates_the_answer_and_reports_length()
    {
        var response = await Sim.Client().GetResponseAsync(Prompt, new ChatOptions { MaxOutputTokens = 5 }, TestContext.Current.CancellationToken);

        Assert.True(response.Usage!.OutputTokenCount <= 5);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task A_rate_limit_fault_is_a_429_with_retry_after()
    {
        var client = Sim.Client(new FaultRates { RateLimited = 1, RetryAfter = TimeSpan.FromMilliseconds(750) });

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelErrorKind.RateLimited, error.Kind);
        Assert.Equal(429, error.StatusCode);
        Assert.Equal(TimeSpan.FromMilliseconds(750), error.RetryAfter);
        Assert.True(error.IsRetryable);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Server_faults_carry_their_status(int status)
    {
        var faults = status == 500 ? new FaultRates { ServerError = 1 } : new FaultRates { Unavailable = 1 };

        var error = await Assert.ThrowsAsync<ModelCallException>(() => Sim.Client(faults).GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelErrorKind.ServerError, error.Kind);
        Assert.Equal(status, error.StatusCode);
    }

    [Fact]
    public async Task A_prompt_over_the_context_window_is_refused_and_not_retryable()
    {
        var error = await Assert.ThrowsAsync<ModelCallException>(() => Sim.Client(window: 10).GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelErrorKind.ContextLengthExceeded, error.Kind);
        Assert.False(error.IsRetryable);
        Assert.True(error.IsFallbackable);
    }

    [Fact]
    public async Task A_timeout_fault_hangs_until_the_caller_gives_up()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sim.Client(new FaultRates { Timeout = 1 }).GetResponseAsync(Prompt, cancellationToken: deadline.Token));
    }

    [Fact]
    public async Task Fault_rates_are_drawn_per_attempt_so_a_retry_can_succeed()
    {
        var client = Sim.Client(new FaultRates { ServerError = 0.5 });
        var outcomes = new List<bool>();
        for (var i = 0; i < 40; i++)
        {
            try
            {
                await client.GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken);
                outcomes.Add(true);
            }
            catch (ModelCallException)
            {
                outcomes.Add(false);
            }
        }

        Assert.InRange(outcomes.Count(ok => ok), 8, 32);
    }

    [Fact]
    public async Task Streaming_yields_the_text_in_pieces_and_usage_last()
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Sim.Client().GetStreamingResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }

        var whole = await Sim.Client().GetResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(updates.Count > 3);
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.IsType<UsageContent>(Assert.Single(updates[^1].Contents));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task A_cut_stream_fails_after_some_text_never_as_a_clean_finish()
    {
        var received = 0;
        var error = await Assert.ThrowsAsync<ModelCallException>(async () =>
        {
            await foreach (var update in Sim.Client(new FaultRates { StreamCut = 1 }).GetStreamingResponseAsync(Prompt, cancellationToken: TestContext.Current.CancellationToken))
            {
                received += update.Text.Length;
            }
        });

        Assert.True(received > 0);
        Assert.Equal(ModelErrorKind.Connection, error.Kind);
    }

    [Fact]
    public async Task Without_a_script_it_calls_each_offered_tool_once_then_answers()
    {
        var client = Sim.Client();
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var options = new ChatOptions { Tools = [tool] };
        List<ChatMessage> messages = [new(ChatRole.User, "Weather in Lisbon?")];

        var first = await client.GetResponseAsync(messages, options, TestContext.Current.CancellationToken);
        var call = Assert.Single(first.Messages[^1].Contents.OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);

        messages.AddRange(first.Messages);
        messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "sunny")]));
        var second = await client.GetResponseAsync(messages, options, TestContext.Current.CancellationToken);
        Assert.Empty(second.Messages[^1].Contents.OfType<FunctionCallContent>());
        Assert.False(string.IsNullOrWhiteSpace(second.Text));
    }
}
