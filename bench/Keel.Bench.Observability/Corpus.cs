using System.Text;

namespace Keel.Bench.Observability;

/// <summary>
/// Plausible English-ish text of a chosen length, from a fixed vocabulary and a seeded random source, so every run
/// stores the same bytes and a search for a word finds a realistic share of tasks.
/// </summary>
internal static class Corpus
{
    private static readonly string[] Words =
    [
        "the", "order", "customer", "refund", "shipment", "arrived", "late", "damaged", "invoice", "account", "please",
        "check", "policy", "delivery", "address", "payment", "card", "declined", "return", "label", "warehouse", "tracking",
        "number", "package", "item", "replacement", "discount", "coupon", "subscription", "renewal", "cancel", "plan",
        "upgrade", "downgrade", "billing", "cycle", "charge", "twice", "duplicate", "receipt", "email", "password",
        "reset", "login", "error", "timeout", "server", "report", "summary", "quarterly", "revenue", "forecast", "market",
        "analysis", "competitor", "pricing", "feature", "request", "bug", "crash", "mobile", "app", "version", "release",
        "notes", "ticket", "priority", "urgent", "escalate", "manager", "supervisor", "approve", "reject", "review",
        "document", "contract", "clause", "renewal", "legal", "compliance", "audit", "record", "history", "search",
        "results", "source", "article", "paper", "citation", "dataset", "table", "figure", "chart", "draft", "answer",
        "question", "follow", "up", "thanks", "hello", "regards", "today", "tomorrow", "yesterday", "week", "month",
        "kettle", "lid", "cracked", "blender", "toaster", "lamp", "chair", "desk", "monitor", "cable", "charger",
        "battery", "warranty", "repair", "technician", "visit", "schedule", "calendar", "meeting", "flight", "hotel",
        "booking", "itinerary", "seat", "baggage", "gate", "boarding", "lounge", "visa", "passport", "currency",
        "exchange", "rate", "tax", "vat", "shipping", "customs", "duty", "express", "standard", "pickup", "locker",
        "and", "or", "with", "for", "from", "to", "in", "on", "at", "by", "about", "after", "before", "since", "until",
        "is", "was", "has", "had", "will", "can", "could", "should", "would", "may", "might", "must", "need", "want",
    ];

    private static readonly string[] Places = ["Lisbon", "Porto", "Berlin", "Oslo", "Kyoto", "Austin", "Lagos", "Quito", "Hanoi", "Tunis"];

    /// <summary>Sentences of words (and now and then an order number or a city) adding up to about <paramref name="bytes"/> bytes.</summary>
    public static string Text(Random rng, int bytes)
    {
        var text = new StringBuilder(bytes + 16);
        var sentenceStart = true;
        while (text.Length < bytes)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            var roll = rng.Next(100);
            var word = roll switch
            {
                < 3 => $"ORD-{rng.Next(10_000, 99_999)}",
                < 4 => Places[rng.Next(Places.Length)],
                _ => Words[rng.Next(Words.Length)],
            };
            text.Append(sentenceStart ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            sentenceStart = rng.Next(12) == 0;
            if (sentenceStart)
            {
                text.Append('.');
            }
        }

        return text.ToString();
    }

    public static string Text(Random rng, int minBytes, int maxBytes) => Text(rng, rng.Next(minBytes, maxBytes + 1));
}
