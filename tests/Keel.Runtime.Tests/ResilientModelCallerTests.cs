using Keel.Providers;
using Keel.Providers.Simulated;
using Keel.Resilience;
using Keel.Routing;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.Runtime.Tests;

public sealed class ResilientModelCallerTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Hello there, how are you today?")];

    private static readonly ResilienceOptions Fast = new()
    {
        MaxRetries = 2,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        AttemptTimeout = TimeSpan.FromMilliseconds(200),
    };

    private static ResilientModelCaller Caller(ResilienceOptions options, params Deployment[] deployments) =>
        new(new ModelCatalog([new ModelRoute("m", deployments)]), options);

    [Fact]
    public async Task A_clean_call_takes_one_attempt()
    {
        var result = await Caller(Fast, Sim.Deployment("a")).CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Single(result.Attempts);
        Assert.Equal(0, result.Fallbacks);
        Assert.Equal("a", result.ServedBy.Name);
    }

    [Fact]
    public async Task A_primary_failing_every_time_is_retried_then_served_by_its_fallback()
    {
        var caller = Caller(Fast, Sim.Deployment("primary", new FaultRates { Unavailable = 1 }), Sim.Deployment("secondary"));

        var result = await caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("secondary", result.ServedBy.Name);
        Assert.Equal(1, result.Fallbacks);
        Assert.Equal(["primary", "primary", "primary", "secondary"], result.Attempts.Select(a => a.Deployment.Name));
        Assert.All(result.Attempts.Take(3), a => Assert.Equal(503, a.Error!.StatusCode));
        Assert.True(result.Attempts[^1].Succeeded);
    }

    [Fact]
    public async Task Retry_after_is_honoured_between_attempts()
    {
        var retryAfter = TimeSpan.FromMilliseconds(120);
        var caller = Caller(Fast with { MaxRetries = 1 }, Sim.Deployment("busy", new FaultRates { RateLimited = 1, RetryAfter = retryAfter }), Sim.Deployment("spare"));

        var result = await caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);

        var gap = result.Attempts[1].StartedAt - result.Attempts[0].EndedAt;
        Assert.True(gap >= retryAfter - TimeSpan.FromMilliseconds(5), $"waited {gap.TotalMilliseconds} ms, asked {retryAfter.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_retry_after_longer_than_allowed_falls_back_at_once()
    {
        var caller = Caller(Fast with { MaxRetryAfter = TimeSpan.FromSeconds(1) },
            Sim.Deployment("busy", new FaultRates { RateLimited = 1, RetryAfter = TimeSpan.FromMinutes(5) }), Sim.Deployment("spare"));

        var result = await caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["busy", "spare"], result.Attempts.Select(a => a.Deployment.Name));
    }

    [Fact]
    public async Task A_hanging_attempt_times_out_and_counts_as_an_attempt()
    {
        var caller = Caller(Fast with { MaxRetries = 0, AttemptTimeout = TimeSpan.FromMilliseconds(50) },
            Sim.Deployment("slow", new FaultRates { Timeout = 1 }), Sim.Deployment("quick"));

        var result = await caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelErrorKind.Timeout, result.Attempts[0].Error!.Kind);
        Assert.Equal("quick", result.ServedBy.Name);
    }

    [Fact]
    public async Task A_context_overflow_skips_deployments_no_larger_and_goes_to_a_larger_window()
    {
        var caller = Caller(Fast, Sim.Deployment("small-a", window: 5), Sim.Deployment("small-b", window: 5), Sim.Deployment("large", window: 10_000, model: "sim-large"));

        var result = await caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["small-a", "large"], result.Attempts.Select(a => a.Deployment.Name));
        Assert.Equal(ModelErrorKind.ContextLengthExceeded, result.Attempts[0].Error!.Kind);
        Assert.Equal(1, result.Fallbacks);
    }

    [Fact]
    public async Task A_bad_request_is_neither_retried_nor_fallen_back_on()
    {
        var rejecting = new Deployment { Name = "strict", Model = "sim-fast", Provider = "test", Client = new RejectingClient() };
        var caller = Caller(Fast, rejecting, Sim.Deployment("other"));

        var error = await Assert.ThrowsAsync<ModelCallFailedException>(() => caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Single(error.Attempts);
        Assert.Equal(ModelErrorKind.BadRequest, error.LastError.Kind);
    }

    [Fact]
    public async Task When_every_deployment_fails_the_error_lists_all_attempts()
    {
        var caller = Caller(Fast, Sim.Deployment("a", new FaultRates { ServerError = 1 }), Sim.Deployment("b", new FaultRates { ServerError = 1 }));

        var error = await Assert.ThrowsAsync<ModelCallFailedException>(() => caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(6, error.Attempts.Count);
        Assert.Equal(1, error.Fallbacks);
        Assert.Contains("6 attempt(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_circuit_skips_the_deployment_without_calling_it()
    {
        var options = Fast with
        {
            MaxRetries = 0,
            CircuitBreaker = new CircuitBreakerOptions { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(1) },
        };
        var counting = new CountingClient(Sim.Client(new FaultRates { ServerError = 1 }));
        var caller = Caller(options, new Deployment { Name = "flaky", Model = "sim-fast", Provider = "test", Client = counting }, Sim.Deployment("steady"));

        for (var i = 0; i < 2; i++)
        {
            await caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);
        }

        var callsBefore = counting.Calls;
        var result = await caller.CallAsync("m", Prompt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(callsBefore, counting.Calls);
        Assert.True(result.Attempts[0].Skipped);
        Assert.Equal(ModelErrorKind.CircuitOpen, result.Attempts[0].Error!.Kind);
        Assert.Equal(1, result.ProviderAttempts);
    }

    [Fact]
    public async Task An_unknown_alias_is_refused_naming_the_known_ones()
    {
        var error = await Assert.ThrowsAsync<UnknownModelException>(() => Caller(Fast, Sim.Deployment("a")).CallAsync("gpt-9", Prompt, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("'gpt-9'", error.Message, StringComparison.Ordinal);
        Assert.Contains("m", error.Message, StringComparison.Ordinal);
    }

    private sealed class RejectingClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new ModelCallException(ModelErrorKind.BadRequest, "Invalid value for 'temperature'.", 400);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class CountingClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}
