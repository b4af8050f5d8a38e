using System.Security.Cryptography;
using System.Text;
using Keel.Providers.Simulated;

namespace Keel.Samples.Research;

/// <summary>A made-up web: search results and documents derived from the query, the same on every run.</summary>
public static class Library
{
    private static readonly string[] Outlets = ["journal.example.org", "news.example.com", "stats.example.gov", "blog.example.net", "review.example.edu"];

    public static IReadOnlyList<SearchHit> Search(string query)
    {
        var random = RandomFor(query);
        return Enumerable.Range(1, 3).Select(i =>
        {
            var outlet = Outlets[random.Next(Outlets.Length)];
            var slug = string.Join('-', query.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(4));
            return new SearchHit($"https://{outlet}/{slug}/{i}", $"{Capitalise(query)}: findings {i}", SimulatedText.Answer(random, "", 18));
        }).ToList();
    }

    /// <summary>A long article: reading three of them outgrows a small model's context window, as real research does.</summary>
    public static string Read(string url)
    {
        var random = RandomFor(url);
        var text = new StringBuilder();
        for (var paragraph = 0; paragraph < 9; paragraph++)
        {
            text.AppendLine(SimulatedText.Answer(random, "", 110 + random.Next(40)));
        }

        return text.ToString();
    }

    private static Random RandomFor(string key) => new(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(key))));

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

public sealed record SearchHit(string Url, string Title, string Snippet);
