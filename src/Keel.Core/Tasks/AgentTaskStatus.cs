namespace Keel.Tasks;

public enum AgentTaskStatus
{
    Pending,
    Running,
    Waiting,
    Succeeded,
    Failed,
}
