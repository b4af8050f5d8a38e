using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Storage.Sqlite;

/// <summary>
/// JSON arrays of ids and names (and objects of pairs) handed to SQLite's <c>json_each</c>, source-generated so the native (trimmed) build
/// of <c>keel</c> serializes them too.
/// </summary>
[JsonSerializable(typeof(IEnumerable<string>))]
[JsonSerializable(typeof(IEnumerable<long>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SqliteJson : JsonSerializerContext
{
    public static string Array(IEnumerable<string> values) => JsonSerializer.Serialize(values, Default.IEnumerableString);

    public static string Array(IEnumerable<long> values) => JsonSerializer.Serialize(values, Default.IEnumerableInt64);

    /// <summary>A JSON object, for <c>json_each</c> to give its keys and values.</summary>
    public static string Object(Dictionary<string, string> pairs) => JsonSerializer.Serialize(pairs, Default.DictionaryStringString);
}
