using System.Text.Json;

namespace Keel.Billing.Plans;

/// <summary>
/// The stored form of a plan: snake_case JSON with a <c>type</c> discriminator on each charge model, written by
/// a source-generated serializer (no reflection, trimming-safe). The billing store keeps plans in this form.
/// </summary>
public static class PlanJson
{
    public static string Serialize(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return JsonSerializer.Serialize(plan, PlanJsonContext.Default.Plan);
    }

    /// <summary>Reads and validates a plan.</summary>
    /// <exception cref="JsonException">The text is not a plan.</exception>
    /// <exception cref="ArgumentException">The plan is not valid (see <see cref="Plan.Validate"/>).</exception>
    public static Plan Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var plan = JsonSerializer.Deserialize(json, PlanJsonContext.Default.Plan)
            ?? throw new JsonException("The plan JSON is null.");
        plan.Validate();
        return plan;
    }
}
