using Keel.Context;

using Xunit;

namespace Keel.Core.Tests;

public sealed class ContextSnapshotTests
{
    [Fact]
    public void Equal_messages_hash_equal_and_snapshots_of_equal_windows_share_an_id()
    {
        var a = ContextSnapshot.FromMessages(["system: be brief", "user: hi"]);
        var b = ContextSnapshot.FromMessages(["system: be brief", "user: hi"]);
        var longer = ContextSnapshot.FromMessages(["system: be brief", "user: hi", "assistant: hello"]);

        Assert.Equal(a.Id, b.Id);
        Assert.NotEqual(a.Id, longer.Id);
        Assert.Equal(a.Messages[1].Hash, longer.Messages[1].Hash);
    }

    [Fact]
    public void Order_matters()
    {
        Assert.NotEqual(ContextSnapshot.FromMessages(["a", "b"]).Id, ContextSnapshot.FromMessages(["b", "a"]).Id);
    }

    [Fact]
    public void A_blob_is_the_utf8_of_its_text_under_its_sha256()
    {
        var blob = ContentBlob.FromText("café ☕");

        Assert.Equal("café ☕", blob.Text);
        Assert.Equal(9, blob.Content.Length);
        Assert.Equal(64, blob.Hash.Length);
    }
}
