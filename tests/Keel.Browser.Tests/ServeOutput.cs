using System.Text.RegularExpressions;

namespace Keel.Browser.Tests;

/// <summary>What `keel serve` prints on stderr as it starts.</summary>
internal static partial class ServeOutput
{
    /// <summary>The address it bound (with --urls http://127.0.0.1:0 only this line says where it is).</summary>
    [GeneratedRegex(@"^keel: gateway listening on (http://127\.0\.0\.1:\d+)\b")]
    public static partial Regex Listening();

    /// <summary>The admin token, printed once on the first start on a database.</summary>
    [GeneratedRegex(@"^keel: admin token: (\S+)$")]
    public static partial Regex AdminToken();
}
