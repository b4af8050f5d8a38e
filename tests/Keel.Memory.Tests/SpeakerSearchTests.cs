using Keel.Memory.Retrieval;
using Xunit;

namespace Keel.Memory.Tests;

public sealed class SpeakerSearchTests
{
    [Fact]
    public void A_speaker_is_the_short_name_before_the_first_colon()
    {
        Assert.Equal("caroline", Speakers.Of("Caroline: I went hiking."));
        Assert.Equal("user", Speakers.Of("user: what is my order status?"));
        Assert.Equal("dr ann lee", Speakers.Of("Dr Ann Lee: take two a day."));
        Assert.Null(Speakers.Of("The plan we agreed on last week was this: ship it."));
        Assert.Null(Speakers.Of("No speaker here."));
        Assert.Null(Speakers.Of("12: a numbered line"));
    }

    [Fact]
    public void Named_speakers_are_found_in_the_query_and_left_out_of_it()
    {
        var words = Speakers.Words("What did Caroline’s sister and Mel's dog do?");

        Assert.Equal(["what", "did", "caroline", "sister", "and", "mel", "dog", "do"], words.Select(w => w.Text));
        Assert.True(Speakers.Named("caroline", words));
        Assert.True(Speakers.Named("mel", words));
        Assert.False(Speakers.Named("dr ann lee", words));
        Assert.True(Speakers.Named("dr ann lee", Speakers.Words("What did Dr Ann Lee prescribe?")));
        Assert.False(Speakers.Named("arjun", Speakers.Words("When did Arjun Oliveira move to Austin?")));
        Assert.True(Speakers.Named("arjun", Speakers.Words("When did Arjun move to Austin?")));
        Assert.True(Speakers.Named("joanna", Speakers.Words("Was it a good month for Nate and Joanna? Answer yes or no.")));
        Assert.Equal("What did  sister and Mel's dog do?", Speakers.Without("What did Caroline’s sister and Mel's dog do?", ["caroline"]));
        Assert.Equal("Caroline", Speakers.Without("Caroline", ["caroline"]));
    }

    [Fact]
    public async Task A_question_naming_a_speaker_ranks_that_speakers_turn_above_a_turn_that_only_mentions_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: ct);
        var scope = RetrievalKit.Scope();
        var mention = (await kit.SayAsync(scope, "s1", "Melanie: Caroline, did you ever go hiking? I love hiking in the Alps."))[0];
        var own = (await kit.SayAsync(scope, "s2", "Caroline: I went hiking in Yosemite last summer."))[0];
        await kit.SayAsync(scope, "s3", "Melanie: The kids painted the fence blue.", "Caroline: The support group meets on Tuesdays.");
        var filter = new MemoryFilter(scope);

        var withSpeakers = await kit.SearchAsync(filter, "Where did Caroline go hiking?");
        var without = await kit.SearchAsync(filter, "Where did Caroline go hiking?", scoring: MemoryScoring.Default with { SpeakerWeight = 0 });

        Assert.Equal(own.Id, withSpeakers[0].Memory.Id);
        Assert.Equal(mention.Id, without[0].Memory.Id);
    }
}
