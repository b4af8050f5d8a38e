using System.Globalization;
using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;

namespace Keel.Inspection;

/// <summary>
/// Compares two context windows message by message. A context usually grows by appending, which reads as "N the
/// same, these added"; an edited or summarised message reads as the old one removed and the new one added.
/// </summary>
internal static class ContextDiffer
{
    public static ContextDiff Diff(int previousSeq, IReadOnlyList<ContextMessage> previous, IReadOnlyList<ContextMessage> current)
    {
        // DiffPlex compares lines of text: each distinct message becomes one token line, so two messages are "the
        // same" when they read the same (role, text, calls, results), however the JSON that carried them was spelt.
        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        var before = Tokens(previous, tokens);
        var after = Tokens(current, tokens);
        var lines = new List<DiffLine>(Math.Max(previous.Count, current.Count));
        int a = 0, b = 0;
        if (previous.Count > 0 && current.Count > 0)
        {
            var result = Differ.Instance.CreateDiffs(before, after, ignoreWhiteSpace: false, ignoreCase: false, LineChunker.Instance);
            foreach (var block in result.DiffBlocks)
            {
                while (a < block.DeleteStartA && b < block.InsertStartB)
                {
                    lines.Add(Line(DiffOp.Same, current[b]));
                    a++;
                    b++;
                }

                for (; a < block.DeleteStartA + block.DeleteCountA; a++)
                {
                    lines.Add(Line(DiffOp.Removed, previous[a]));
                }

                for (; b < block.InsertStartB + block.InsertCountB; b++)
                {
                    lines.Add(Line(DiffOp.Added, current[b]));
                }
            }
        }

        for (; a < previous.Count && b < current.Count; a++, b++)
        {
            lines.Add(Line(DiffOp.Same, current[b]));
        }

        lines.AddRange(previous.Skip(a).Select(m => Line(DiffOp.Removed, m)));
        lines.AddRange(current.Skip(b).Select(m => Line(DiffOp.Added, m)));
        return new ContextDiff(previousSeq, lines);
    }

    private static DiffLine Line(DiffOp op, ContextMessage message) => new(op, message.Index, message.Role, message.Describe());

    private static string Tokens(IReadOnlyList<ContextMessage> messages, Dictionary<string, int> tokens)
    {
        var text = new StringBuilder(messages.Count * 4);
        foreach (var message in messages)
        {
            var key = message.Role + "\u001f" + message.Describe();
            if (!tokens.TryGetValue(key, out var token))
            {
                token = tokens.Count;
                tokens[key] = token;
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(token.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
