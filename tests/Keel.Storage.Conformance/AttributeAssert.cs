using System.Collections;
using Xunit;

namespace Keel.Storage.Conformance;

/// <summary>
/// Compares span attributes as OpenTelemetry sees them: scalars keep their exact type (a double stays a double
/// even when it is whole), arrays keep their elements, whatever collection type the store hands back.
/// </summary>
internal static class AttributeAssert
{
    public static void Equal(IReadOnlyDictionary<string, object?> expected, IReadOnlyDictionary<string, object?> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            ValueEqual(key, value, actual[key]);
        }
    }

    private static void ValueEqual(string key, object? expected, object? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        if (expected is IEnumerable expectedItems and not string)
        {
            var actualItems = Assert.IsAssignableFrom<IEnumerable>(actual);
            Assert.IsNotType<string>(actual);
            var expectedList = expectedItems.Cast<object?>().ToList();
            var actualList = actualItems.Cast<object?>().ToList();
            Assert.Equal(expectedList.Count, actualList.Count);
            for (var i = 0; i < expectedList.Count; i++)
            {
                ValueEqual($"{key}[{i}]", expectedList[i], actualList[i]);
            }

            return;
        }

        Assert.True(expected.GetType() == actual.GetType(),
            $"Attribute {key}: expected a {expected.GetType().Name} but the store returned a {actual.GetType().Name} ({actual}).");
        Assert.Equal(expected, actual);
    }
}
