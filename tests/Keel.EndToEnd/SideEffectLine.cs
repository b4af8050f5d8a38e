using System.Globalization;
using Keel.Samples.SideEffects;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>One line of the sample tools' <see cref="SideEffectLog"/>: an execution of a tool, or an effect it applied.</summary>
/// <param name="At">Unix microseconds, truncated as the store truncates step times, so the two compare.</param>
internal sealed record SideEffectLine(string Kind, string Key, string Tool, int Pid, long At)
{
    public static IReadOnlyList<SideEffectLine> ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return File.ReadAllLines(path).Select((line, i) =>
        {
            var fields = line.Split('\t');
            Assert.True(fields.Length == 5 && fields[0] is SideEffectLog.Execute or SideEffectLog.Effect,
                $"{path}:{i + 1} is not a whole side-effect line (a torn write?): '{line}'");
            var at = DateTimeOffset.Parse(fields[4], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            return new SideEffectLine(fields[0], fields[1], fields[2], int.Parse(fields[3], CultureInfo.InvariantCulture),
                (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);
        }).ToList();
    }
}
