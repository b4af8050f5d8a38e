using System.Globalization;
using System.Text;

namespace Keel.Bench.Memory;

/// <summary>One generated conversation turn, and for a turn that states a fact a question that paraphrases it.</summary>
internal sealed record CorpusTurn(string Text, string SessionId, string MessageId, DateTimeOffset OccurredAt, double Importance, string? Question);

/// <summary>A timed query: a paraphrase of a stored turn (with that turn's text), or an unrelated question (null target).</summary>
internal sealed record BenchQuery(string Text, string? TargetText);

/// <summary>
/// A deterministic corpus of conversation turns between friends (sessions of 12 to 28 turns over two years): two
/// thirds state a fact about one of ~5,000 people (a move, a job, a pet, a trip, a party, an injury...) in one of
/// several phrasings, the rest are replies that mention a place, a food or a day. Every text is distinct, so
/// deduplication folds nothing and the scope holds exactly the requested count.
/// </summary>
internal static class Corpus
{
    private static readonly DateTimeOffset Start = new(2024, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private sealed record FactTemplate(string[] Statements, string[] Questions);

    private static readonly FactTemplate[] Facts =
    [
        new(["My {rel} {P} just moved to {city}; the lease on the new flat starts on {month} {day}.",
             "Did I tell you {P} relocated to {city} back in {month}? The rent there is {n}0 euros a month.",
             "{P} finally packed everything up and moved to {city} in {month}."],
            ["Where did {P} move to?", "Which city is {P} living in now?", "When did {P} relocate, and to where?"]),
        new(["{P} adores {food} but absolutely refuses to eat {food2}.",
             "At dinner {P} told me {food2} is the one thing they can't stand, and {food} is their favourite.",
             "Note for the next dinner with {P}: no {food2}, lots of {food}."],
            ["What food does {P} hate?", "What is {P}'s favourite dish?", "What should I not serve {P}?"]),
        new(["{P} has been taking {hobby} lessons every {weekday} since {month}.",
             "{P} picked up {hobby} this year and practises {n} times a week.",
             "Ran into {P} on the way to a {hobby} class, they're hooked."],
            ["What hobby did {P} take up?", "When does {P} have their {hobby} class?", "Is {P} learning something new?"]),
        new(["We're planning {duration} in {city} with {P} in {month}.",
             "{P} and I booked flights to {city} for {duration} in {month}, I can't wait.",
             "The {city} trip with {P} is confirmed for {month}: {duration}, hostel near the station."],
            ["Where are we travelling with {P}?", "When is the trip to {city} with {P}?", "How long is the holiday with {P}?"]),
        new(["{P} got a new job as a {job} at {company}.",
             "{P} quit last month and now works as a {job} at {company}; the first day is a {weekday}.",
             "Big news from {P}: they're a {job} now, at {company}."],
            ["What does {P} do for work now?", "Where did {P} get hired?", "What is {P}'s new job?"]),
        new(["{P} adopted a {petadj} {pet} named {petname} last {weekday}.",
             "Meet {petname}, the {petadj} {pet} {P} brought home from the shelter.",
             "{P} keeps sending me photos of {petname}, their {petadj} {pet}."],
            ["What is the name of {P}'s {pet}?", "What kind of pet did {P} adopt?", "Who is {petname}?"]),
        new(["{P}'s birthday party is on {month} {day} at {place}.",
             "We're throwing {P} a surprise party at {place} on {month} {day}, don't tell them.",
             "Save the date: {P} turns {age} on {month} {day}, drinks at {place}."],
            ["When is {P}'s birthday party?", "Where is the party for {P}?", "How old is {P} turning?"]),
        new(["I just finished {book}, which {P} recommended; it was {adj}.",
             "{P} lent me their copy of {book} and I read it in {n} days.",
             "Book club with {P} picked {book} for {month}."],
            ["Which book did {P} recommend?", "What are we reading with {P}?", "What did I think of the book {P} lent me?"]),
        new(["{P} got us tickets to see {band} in {city} in {month}.",
             "{P} has been playing {band} nonstop since the concert in {city}.",
             "Going to the {band} show with {P} on a {weekday} in {month}."],
            ["Which concert are we going to with {P}?", "What music is {P} into?", "When is the {band} concert with {P}?"]),
        new(["{P} hurt their {bodypart} playing {sport} on {weekday}, so no {sport} for {n} weeks.",
             "Poor {P} sprained a {bodypart} at {sport} practice in {month}.",
             "{P} is on crutches after a {sport} match; the {bodypart} needs {n} weeks."],
            ["How did {P} get injured?", "What happened to {P}'s {bodypart}?", "Why can't {P} play {sport}?"]),
        new(["Remind me that I have a {appointment} appointment with {P} on {weekday} at {time}.",
             "Booked the {appointment} with {P} for {month} {day}, {time}.",
             "{P} moved my {appointment} appointment to {weekday} {time}."],
            ["When is my {appointment} appointment?", "When am I seeing {P} for the {appointment}?", "What time is the {appointment} with {P}?"]),
        new(["{P} bought a {colour} {item} for {n}0 dollars at the market.",
             "{P} finally splurged on a {colour} {item}; it cost {n}0 dollars.",
             "{P} is selling their old {item} because they got a new {colour} one."],
            ["What did {P} buy recently?", "How much did {P} pay for the {item}?", "What colour is {P}'s new {item}?"]),
        new(["{P}'s {rel} is visiting from {city} next {weekday} for {duration}.",
             "{P} is picking up their {rel} from the {city} train on {month} {day}.",
             "{P} can't come out this week, their {rel} from {city} is staying with them."],
            ["Who is visiting {P}?", "When is {P}'s {rel} coming from {city}?", "Why is {P} busy this week?"]),
    ];

    private static readonly string[] Replies =
    [
        "{S}: That sounds {adj}! How was the weather in {city}? I heard {weather}.",
        "{S}: Oh no, I hope {first}'s {bodypart} heals before the trip in {month}.",
        "{S}: Ha, {first} would order the {food} anyway, every single time.",
        "{S}: I'm {feeling} about {weekday}, to be honest; the {appointment} thing is on my mind.",
        "{S}: We should all meet at {place} once {first} is back from {city}.",
        "{S}: Last time I was in {city}, {weather}, so pack a jacket.",
        "{S}: Honestly {food} in {city} was the best thing I ate all of {month}.",
        "{S}: Tell {first} I said congratulations, that's {adj} news.",
        "{S}: I'm {feeling}, work has been {n} meetings a day since {weekday}.",
        "{S}: Can you send me the photos from {place}? {first} wants one for the {colour} frame.",
    ];

    private static readonly string[] Unrelated =
    [
        "How do I {task}?", "What is {thing}?", "Can you explain {concept} in simple terms?", "What is the capital of {country}?",
        "What currency does {country} use?", "Write a short poem about {concept}.", "What is the best way to {task} quickly?",
        "Is {thing} bigger than people think?", "Give me three facts about {country}.", "Why does {concept} matter?",
        "What's the time difference between {country} and {country2}?", "Recommend a podcast about {concept}.",
    ];

    private static readonly string[] Adjectives = ["amazing", "wild", "lovely", "brilliant", "strange", "hilarious", "sad", "wonderful", "intense", "beautiful", "surprising"];

    private static readonly string[] Speakers = [.. WordLists.FirstNames.Take(40)];

    public static List<CorpusTurn> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var people = People(random);
        var turns = new List<CorpusTurn>(count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var sessions = Math.Max(1, count / 20);
        var sessionSpan = TimeSpan.FromDays(730) / sessions;
        for (var session = 0; turns.Count < count; session++)
        {
            var speakers = new[] { Pick(random, Speakers), Pick(random, Speakers) };
            var time = Start + (sessionSpan * session) + TimeSpan.FromMinutes(random.Next(0, 600));
            var length = random.Next(12, 29);
            for (var turn = 1; turn <= length && turns.Count < count; turn++)
            {
                var speaker = speakers[turn % 2];
                var slots = Slots(random, people, speaker);
                string text;
                string? question = null;
                double importance;
                if (random.NextDouble() < 0.65)
                {
                    var fact = Facts[random.Next(Facts.Length)];
                    text = speaker + ": " + Fill(Pick(random, fact.Statements), slots);
                    question = Fill(Pick(random, fact.Questions), slots);
                    importance = 0.4 + (random.Next(0, 6) / 10.0);
                }
                else
                {
                    text = Fill(Pick(random, Replies), slots);
                    importance = 0.2 + (random.Next(0, 4) / 10.0);
                }

                time += TimeSpan.FromMinutes(random.Next(1, 4));
                if (seen.Add(text))
                {
                    turns.Add(new CorpusTurn(text, $"s{session:D5}", string.Create(CultureInfo.InvariantCulture, $"D{session}:{turn}"), time, importance, question));
                }
            }
        }

        return turns;
    }

    /// <summary>
    /// <paramref name="count"/> distinct queries: <paramref name="paraphraseShare"/> of them paraphrase a stored fact
    /// (drawn without repeats), the rest are questions about things no memory talks of. Interleaved, so any slice of
    /// the list has the same mix.
    /// </summary>
    public static List<BenchQuery> Queries(IReadOnlyList<CorpusTurn> corpus, int count, double paraphraseShare, Random random, ISet<string> used)
    {
        var facts = corpus.Where(t => t.Question is not null).ToList();
        var queries = new List<BenchQuery>(count);
        var attempts = 0;
        while (queries.Count < count && attempts++ < count * 100)
        {
            BenchQuery query;
            var i = queries.Count;
            if (Math.Floor((i + 1) * paraphraseShare) > Math.Floor(i * paraphraseShare))
            {
                var turn = facts[random.Next(facts.Count)];
                query = new BenchQuery(turn.Question!, turn.Text);
            }
            else
            {
                var slots = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["task"] = Pick(random, WordLists.Tasks),
                    ["thing"] = Pick(random, WordLists.Things),
                    ["concept"] = Pick(random, WordLists.Concepts),
                    ["country"] = Pick(random, WordLists.Countries),
                    ["country2"] = Pick(random, WordLists.Countries),
                };
                query = new BenchQuery(Fill(Pick(random, Unrelated), slots), null);
            }

            if (used.Add(query.Text))
            {
                queries.Add(query);
            }
        }

        return queries;
    }

    private static List<string> People(Random random)
    {
        var all = WordLists.FirstNames.SelectMany(f => WordLists.LastNames.Select(l => $"{f} {l}")).ToArray();
        random.Shuffle(all);
        return [.. all];
    }

    private static Dictionary<string, string> Slots(Random random, List<string> people, string speaker)
    {
        var person = people[random.Next(people.Count)];
        var food = Pick(random, WordLists.Foods);
        var food2 = Pick(random, WordLists.Foods);
        while (food2 == food)
        {
            food2 = Pick(random, WordLists.Foods);
        }

        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["S"] = speaker,
            ["P"] = person,
            ["first"] = person[..person.IndexOf(' ', StringComparison.Ordinal)],
            ["rel"] = Pick(random, WordLists.Relations),
            ["city"] = Pick(random, WordLists.Cities),
            ["month"] = Pick(random, WordLists.Months),
            ["day"] = random.Next(1, 29).ToString(CultureInfo.InvariantCulture),
            ["n"] = random.Next(2, 13).ToString(CultureInfo.InvariantCulture),
            ["age"] = random.Next(18, 81).ToString(CultureInfo.InvariantCulture),
            ["food"] = food,
            ["food2"] = food2,
            ["hobby"] = Pick(random, WordLists.Hobbies),
            ["weekday"] = Pick(random, WordLists.Weekdays),
            ["duration"] = Pick(random, WordLists.Durations),
            ["job"] = Pick(random, WordLists.Jobs),
            ["company"] = Pick(random, WordLists.Companies),
            ["pet"] = Pick(random, WordLists.Pets),
            ["petadj"] = Pick(random, WordLists.PetAdjectives),
            ["petname"] = Pick(random, WordLists.PetNames),
            ["place"] = Pick(random, WordLists.Places),
            ["book"] = Pick(random, WordLists.Books),
            ["band"] = Pick(random, WordLists.Bands),
            ["adj"] = Pick(random, Adjectives),
            ["bodypart"] = Pick(random, WordLists.BodyParts),
            ["sport"] = Pick(random, WordLists.Sports),
            ["appointment"] = Pick(random, WordLists.Appointments),
            ["time"] = string.Create(CultureInfo.InvariantCulture, $"{random.Next(8, 18)}:{random.Next(0, 4) * 15:D2}"),
            ["colour"] = Pick(random, WordLists.Colours),
            ["item"] = Pick(random, WordLists.Items),
            ["weather"] = Pick(random, WordLists.Weather),
            ["feeling"] = Pick(random, WordLists.Feelings),
        };
    }

    private static string Fill(string template, Dictionary<string, string> slots)
    {
        var text = new StringBuilder(template.Length + 32);
        for (var i = 0; i < template.Length; i++)
        {
            var close = template[i] == '{' ? template.IndexOf('}', i) : -1;
            if (close > i)
            {
                text.Append(slots[template[(i + 1)..close]]);
                i = close;
            }
            else
            {
                text.Append(template[i]);
            }
        }

        var filled = text.ToString();
        return char.ToUpperInvariant(filled[0]) + filled[1..];
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
}
