using System.Text.Json;

namespace Keel.Server.Wire;

/// <summary>
/// An error in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, with the status OpenAI would
/// use, so official clients raise their usual typed errors.
/// </summary>
public sealed record OpenAiError(int Status, string Message, string Type, string? Code = null, string? Param = null)
{
    public static OpenAiError InvalidJson(string detail) =>
        new(400, $"We could not parse the JSON body of your request: {detail}", "invalid_request_error", "invalid_json");

    public static OpenAiError Invalid(string message, string? param = null, string? code = null) =>
        new(400, message, "invalid_request_error", code, param);

    public static OpenAiError MissingKey() =>
        new(401, "You didn't provide an API key. Pass a Keel key as 'Authorization: Bearer KEY' (create one with `keel keys create --customer NAME`).", "invalid_request_error", "invalid_api_key");

    public static OpenAiError BadKey() =>
        new(401, "Incorrect API key provided. Keel keys start with 'keel_sk_'; create one with `keel keys create --customer NAME`.", "invalid_request_error", "invalid_api_key");

    public static OpenAiError UnknownModel(string model) =>
        new(404, $"The model '{model}' does not exist or you do not have access to it. GET /v1/models lists the models this gateway serves.", "invalid_request_error", "model_not_found", "model");

    public static OpenAiError TooLarge(long limit) =>
        new(413, $"The request body is larger than this gateway accepts ({limit} bytes).", "invalid_request_error", "request_too_large");

    public static OpenAiError NotFound(string message) => new(404, message, "invalid_request_error", "not_found");

    /// <summary>The request is well formed but the resource's state does not allow it now.</summary>
    public static OpenAiError Conflict(string message) => new(409, message, "invalid_request_error", "conflict");

    /// <summary>402, so that clients do not retry: only a larger budget or a new period will let the call through.</summary>
    public static OpenAiError BudgetExceeded(Budgets.BudgetExceededException ex) => new(402, ex.Message, "budget_exceeded", "budget_exceeded");

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", Message);
            writer.WriteString("type", Type);
            if (Param is null)
            {
                writer.WriteNull("param");
            }
            else
            {
                writer.WriteString("param", Param);
            }

            if (Code is null)
            {
                writer.WriteNull("code");
            }
            else
            {
                writer.WriteString("code", Code);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
