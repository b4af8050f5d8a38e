namespace Keel.Server.Access;

/// <summary>Who is asking the dashboard's API, and so which customers' data they may see.</summary>
public sealed record DashboardCaller
{
    private DashboardCaller(DashboardRole role, string? customerId)
    {
        Role = role;
        CustomerId = customerId;
    }

    public static DashboardCaller Admin { get; } = new(DashboardRole.Admin, null);

    /// <summary>Anyone on this machine, when the server runs with <c>--insecure-local</c>: sees what the admin sees.</summary>
    public static DashboardCaller InsecureLocal { get; } = new(DashboardRole.InsecureLocal, null);

    public static DashboardCaller Customer(string customerId) => new(DashboardRole.Customer, customerId);

    public DashboardRole Role { get; }

    /// <summary>The customer a customer's API key belongs to; null for callers who see everyone.</summary>
    public string? CustomerId { get; }

    /// <summary>The name the API reports the role by: <c>admin</c>, <c>customer</c>, <c>insecure-local</c>.</summary>
    public string RoleName => Role switch
    {
        DashboardRole.Admin => "admin",
        DashboardRole.Customer => "customer",
        _ => "insecure-local",
    };

    /// <summary>
    /// Whether this caller may see data of <paramref name="customerId"/>. A caller who may not is answered 404, as if
    /// the data did not exist: a 403 would confirm that it does.
    /// </summary>
    public bool CanSee(string customerId) => CustomerId is null || string.Equals(CustomerId, customerId, StringComparison.Ordinal);
}

public enum DashboardRole
{
    Admin,
    Customer,
    InsecureLocal,
}
