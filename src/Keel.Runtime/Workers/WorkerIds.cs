using System.Diagnostics;
using System.Globalization;

namespace Keel.Workers;

/// <summary>
/// Worker names that say where the worker runs: <c>kind/host/pid/nonce</c>. A worker starting on the same host
/// can tell that another's process is gone and take its tasks at once instead of waiting for its leases to expire.
/// </summary>
public static class WorkerIds
{
    public static string New(string kind) =>
        $"{kind}/{Environment.MachineName}/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>True when the worker ran on this host in a process that no longer exists.</summary>
    public static bool IsDeadLocalWorker(string worker)
    {
        var parts = (worker ?? "").Split('/');
        if (parts.Length != 4 || parts[1] != Environment.MachineName || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no process with that id
        }
    }
}
