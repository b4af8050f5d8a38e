using System.Globalization;
using System.Text;
using Keel.Tasks;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// The opaque <c>cursor</c> of the task list: the position (creation time in microseconds, id) of the last task of a
/// page, base64url-encoded so clients pass it back untouched rather than build one.
/// </summary>
internal static class TaskCursor
{
    public static string Encode(TaskPosition position)
    {
        var micros = (position.CreatedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var text = micros.ToString(CultureInfo.InvariantCulture) + "|" + position.Id;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static TaskPosition? Decode(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - (base64.Length % 4)) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return bar > 0 && bar < text.Length - 1 && long.TryParse(text.AsSpan(0, bar), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros)
                ? new TaskPosition(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), text[(bar + 1)..])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
