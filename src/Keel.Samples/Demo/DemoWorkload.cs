using Keel.Samples.Research;
using Keel.Samples.Support;
using Keel.Tasks;

namespace Keel.Samples.Demo;

/// <summary>One task of the demo: which agent, what it is asked, for which customer.</summary>
public sealed record DemoTask(IAgent Agent, string Input, string Customer);

/// <summary>The demo's mix of work, the same for the same seed.</summary>
public static class DemoWorkload
{
    private static readonly string[] Complaints =
    [
        "the {0} arrived cracked and I want my money back",
        "my {0} came two weeks late, please refund it",
        "you sent the wrong {0}",
        "I changed my mind about the {0}, can I return it?",
        "the {0} is broken out of the box",
    ];

    private static readonly string[] Topics =
    [
        "impact of remote work on urban housing prices",
        "battery recycling capacity in Europe",
        "effects of four-day work weeks on productivity",
        "adoption of heat pumps in cold climates",
        "open-source model licensing trends",
        "microplastics in drinking water",
        "small modular reactors cost outlook",
    ];

    /// <param name="supervised">True gives support tasks to the agent whose large refunds wait for a person's decision.</param>
    public static IReadOnlyList<DemoTask> Create(int count, int seed, string model = DemoDeployments.Alias, bool supervised = false)
    {
        var random = new Random(seed);
        var support = SupportAgent.Create(model, supervised);
        var research = ResearchAgent.Create(model);
        var tasks = new List<DemoTask>(count);
        for (var i = 0; i < count; i++)
        {
            if (i % 3 == 2)
            {
                tasks.Add(new DemoTask(research, Topics[random.Next(Topics.Length)], "globex"));
            }
            else
            {
                var orderId = $"ORD-{random.Next(10_000, 99_999)}";
                var complaint = string.Format(System.Globalization.CultureInfo.InvariantCulture, Complaints[random.Next(Complaints.Length)], "item");
                tasks.Add(new DemoTask(support, $"Order {orderId}: {complaint}.", "acme"));
            }
        }

        return tasks;
    }
}
