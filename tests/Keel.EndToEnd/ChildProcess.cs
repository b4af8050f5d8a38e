using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// A child process whose stdout and stderr are captured line by line. Tests wait on what it prints or on its
/// exit, always with a deadline that fails the test; disposing kills whatever is still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _label;
    private readonly object _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<LineWaiter> _waiters = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process, string label)
    {
        _process = process;
        _label = label;
    }

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _stdout);
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A developer's own database must never leak into a test's process.
        start.Environment.Remove("KEEL_DB");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var label = $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList.Select(Shorten))}";
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, label);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, isStdout: true);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, isStdout: false);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{label} did not start.");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for a line (on stdout or stderr, as asked) matching <paramref name="pattern"/>.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">The deadline passed, or the stream closed first.</exception>
    public async Task<Match> WaitForLineAsync(Regex pattern, bool onStdout, TimeSpan timeout)
    {
        LineWaiter waiter;
        lock (_gate)
        {
            foreach (var line in onStdout ? _stdout : _stderr)
            {
                if (pattern.Match(line) is { Success: true } seen)
                {
                    return seen;
                }
            }

            waiter = new LineWaiter(pattern, onStdout);
            if ((onStdout ? _stdoutClosed : _stderrClosed).Task.IsCompleted)
            {
                waiter.Found.TrySetResult(null);
            }
            else
            {
                _waiters.Add(waiter);
            }
        }

        Match? match;
        try
        {
            match = await waiter.Found.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw Failure($"printed no line matching /{pattern}/ on {(onStdout ? "stdout" : "stderr")} within {timeout.TotalSeconds:0.#} s");
        }

        return match ?? throw Failure($"closed its {(onStdout ? "stdout" : "stderr")} without printing a line matching /{pattern}/");
    }

    /// <summary>Waits for the process to exit and for its output to be read to the end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw Failure($"did not exit within {timeout.TotalSeconds:0.#} s");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (what a service manager sends to stop a server) and waits for the exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
            Assert.True(kill.ExitCode == 0, $"kill -TERM {_process.Id} exited {kill.ExitCode}: {Describe()}");
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>The process id: what its worker names and side-effect log lines carry.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Kills the process and its children at once (SIGKILL: no handler runs, nothing is flushed) and waits for the exit.</summary>
    public async Task<int> KillAsync(TimeSpan timeout)
    {
        _process.Kill(entireProcessTree: true);
        return await WaitForExitAsync(timeout);
    }

    /// <summary>What the process printed so far, for failure messages.</summary>
    public string Describe()
    {
        var exit = _process.HasExited ? $"exited {_process.ExitCode}" : "still running";
        return $"{_label} ({exit})\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string Shorten(string argument) =>
        argument.EndsWith(".dll", StringComparison.Ordinal) || argument.EndsWith(".mjs", StringComparison.Ordinal) ? Path.GetFileName(argument) : argument;

    private Xunit.Sdk.XunitException Failure(string what) => new($"{_label} {what}.\n{Describe()}");

    private void OnLine(string? line, bool isStdout)
    {
        lock (_gate)
        {
            if (line is null)
            {
                (isStdout ? _stdoutClosed : _stderrClosed).TrySetResult();
                foreach (var waiter in _waiters.Where(w => w.OnStdout == isStdout).ToList())
                {
                    waiter.Found.TrySetResult(null);
                    _waiters.Remove(waiter);
                }

                return;
            }

            (isStdout ? _stdout : _stderr).Add(line);
            foreach (var waiter in _waiters.Where(w => w.OnStdout == isStdout).ToList())
            {
                if (waiter.Pattern.Match(line) is { Success: true } match)
                {
                    waiter.Found.TrySetResult(match);
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    private sealed record LineWaiter(Regex Pattern, bool OnStdout)
    {
        public TaskCompletionSource<Match?> Found { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
