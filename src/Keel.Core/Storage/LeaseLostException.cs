namespace Keel.Storage;

/// <summary>
/// A worker tried to commit a step of a task whose lease another worker now holds (its own expired while it was
/// paused or cut off). The commit is refused so the task's journal has one writer.
/// </summary>
public sealed class LeaseLostException(string taskId, string worker)
    : StoreException($"Task {taskId} is no longer leased to worker {worker}; another worker took it over.")
{
    public string TaskId { get; } = taskId;
}
