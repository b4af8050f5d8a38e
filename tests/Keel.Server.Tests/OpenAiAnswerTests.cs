using System.Text;
using System.Text.Json;
using Keel.Server.Wire;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>The one-pass reader of an upstream's answer finds what the journal keeps, whatever else the answer holds.</summary>
public sealed class OpenAiAnswerTests
{
    [Fact]
    public void Reads_the_id_model_first_choice_and_usage_with_cached_tokens_past_fields_it_does_not_know()
    {
        const string Body = """
            {"x_extra":{"choices":[{"message":"decoy"}]},"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hé \"there\"","tool_calls":[]},"logprobs":null,"finish_reason":"stop"},
                        {"index":1,"message":{"role":"assistant","content":"second"},"finish_reason":"length"}],
             "usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":0}}}
            """;

        var answer = OpenAiAnswer.Read(Encoding.UTF8.GetBytes(Body));

        Assert.Equal(("chatcmpl-1", "gpt-4o-2024", "stop"), (answer.Id, answer.Model, answer.FinishReason));
        Assert.Equal("""{"role":"assistant","content":"Hé \"there\"","tool_calls":[]}""", answer.Message);
        Assert.NotNull(answer.Usage);
        Assert.Equal((12L, 7L, 19L, 8L), (answer.Usage.InputTokenCount, answer.Usage.OutputTokenCount, answer.Usage.TotalTokenCount, answer.Usage.CachedInputTokenCount));
    }

    [Fact]
    public void An_answer_without_choices_or_usage_is_an_empty_assistant_message_with_no_usage()
    {
        var answer = OpenAiAnswer.Read("""{"id":7,"choices":"none"}"""u8.ToArray());

        Assert.Null(answer.Id); // not a string: not an id
        Assert.Null(answer.Usage);
        Assert.Null(answer.FinishReason);
        Assert.Equal("""{"role":"assistant","content":""}""", answer.Message);
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("[1, 2]")]
    [InlineData("""{"id":"x","choices":[{"message":{}}]} trailing""")]
    [InlineData("""{"id":"x","choices":[{"message":{}}]""")]
    public void Anything_but_one_json_object_is_refused(string body) =>
        Assert.ThrowsAny<JsonException>(() => OpenAiAnswer.Read(Encoding.UTF8.GetBytes(body)));
}
