using Keel.Tasks;
using Xunit;

namespace Keel.Core.Tests;

public sealed class KeelIdsTests
{
    [Fact]
    public void An_id_is_its_prefix_and_a_version_7_uuid_of_the_current_millisecond()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = KeelIds.NewTaskId();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.StartsWith("task_", id, StringComparison.Ordinal);
        var uuid = Guid.ParseExact(id["task_".Length..], "N");
        Assert.Equal(7, uuid.Version);
        Assert.Equal(0b10, uuid.Variant >> 2); // RFC 9562's variant: the top two bits 10
        var millis = Convert.ToInt64(id.Substring("task_".Length, 12), 16);
        Assert.InRange(millis, before, after);
    }

    [Fact]
    public void Ids_from_a_later_millisecond_sort_after()
    {
        var first = KeelIds.New("x");
        var millisecond = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() == millisecond)
        {
            Thread.SpinWait(100);
        }

        Assert.True(string.CompareOrdinal(KeelIds.New("x"), first) > 0);
    }

    [Fact]
    public void Ids_made_on_many_threads_at_once_never_repeat()
    {
        var ids = new string[4][];
        Parallel.For(0, ids.Length, thread => ids[thread] = Enumerable.Range(0, 20_000).Select(_ => KeelIds.New("x")).ToArray());

        var all = ids.SelectMany(batch => batch).ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
        Assert.All(all, id => Assert.Equal(7, Guid.ParseExact(id[2..], "N").Version));
    }
}
