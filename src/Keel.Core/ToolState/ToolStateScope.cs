namespace Keel.ToolState;

/// <summary>Whose state it is: how long it lives and which tasks share it.</summary>
public enum ToolStateScope
{
    /// <summary>Shared by every task of the customer, across sessions: an account's settings, a running counter.</summary>
    Customer,

    /// <summary>Shared by the tasks of one session: a cart, a conversation's working notes.</summary>
    Session,

    /// <summary>Private to one task: progress a long task must not lose when it resumes.</summary>
    Task,
}
