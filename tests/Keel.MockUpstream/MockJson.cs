using System.Text.Encodings.Web;
using System.Text.Json;

namespace Keel.MockUpstream;

/// <summary>
/// Writer options for every response: relaxed escaping writes quotes and non-ASCII text as the real APIs do
/// (the default encoder turns " into \u0022), which also keeps bodies short. Nothing here is rendered as HTML.
/// </summary>
internal static class MockJson
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
