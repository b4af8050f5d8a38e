namespace Keel.EndToEnd;

/// <summary>
/// The gateway config the end-to-end tests run with, every upstream being the mock on loopback:
/// <list type="bullet">
/// <item><c>gpt-4o-mini</c>: ordered, a primary that always answers 503 and a fallback on the plain mock;</item>
/// <item><c>flaky-stream</c>: one deployment whose streams break off after two events;</item>
/// <item><c>plain</c>: the plain mock alone.</item>
/// </list>
/// </summary>
internal static class GatewayConfigFile
{
    public const string FailingSpec = "status=503";
    public const string CutSpec = "cut-after=2";

    public static string Yaml(string mockUrl) => $"""
        providers:
          mock:
            type: openai
            base_url: {mockUrl}/v1
          failing:
            type: openai
            base_url: {mockUrl}/s/{FailingSpec}/v1
          cutting:
            type: openai
            base_url: {mockUrl}/s/{CutSpec}/v1
        deployments:
          primary:
            provider: failing
            model: gpt-4o-mini
          fallback:
            provider: mock
            model: gpt-4o-mini
          cut:
            provider: cutting
            model: gpt-4o-mini
          plain:
            provider: mock
            model: gpt-4o-mini
        models:
          gpt-4o-mini:
            policy: ordered
            deployments: [primary, fallback]
          flaky-stream:
            deployments: [cut]
          plain:
            deployments: [plain]
        retry:
          max_retries: 1
          base_delay_ms: 1
        # The primary fails every call; keep its circuit closed so each call really tries it, then falls back.
        circuit_breaker:
          minimum_throughput: 1000
        """;
}
