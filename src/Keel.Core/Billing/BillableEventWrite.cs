namespace Keel.Billing;

/// <summary>The stored event and whether this write created it (false: the key was already there).</summary>
public sealed record BillableEventWrite(BillableEvent Event, bool Created);
