using System.Text;

namespace Keel.Providers.Simulated;

/// <summary>Plausible filler text and ids for simulated answers, drawn from the call's random source.</summary>
public static class SimulatedText
{
    private static readonly string[] Words =
    [
        "the", "customer", "order", "policy", "refund", "because", "shipping", "delayed", "we", "can", "review",
        "evidence", "summary", "according", "to", "report", "source", "findings", "suggest", "that", "overall",
        "recommend", "next", "steps", "include", "confirm", "details", "with", "account", "team", "within", "days",
        "analysis", "shows", "trend", "increase", "compared", "previous", "quarter", "however", "risk", "remains",
    ];

    public static string Answer(Random random, string topic, int words)
    {
        var text = new StringBuilder();
        if (topic.Length > 0)
        {
            text.Append("Regarding \"").Append(topic.Length > 60 ? topic[..60] : topic).Append("\": ");
        }

        for (var i = 0; i < words; i++)
        {
            text.Append(Words[random.Next(Words.Length)]);
            text.Append(i % 12 == 11 ? ". " : " ");
        }

        return text.ToString().TrimEnd() + ".";
    }

    public static string CallId(Random random) => $"call_{random.NextInt64():x16}";
}
