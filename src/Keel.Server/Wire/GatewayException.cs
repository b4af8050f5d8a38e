namespace Keel.Server.Wire;

/// <summary>A request the gateway refuses, with the OpenAI-shaped error to answer it with.</summary>
public sealed class GatewayException(OpenAiError error) : Exception(error.Message)
{
    public OpenAiError Error { get; } = error;
}
