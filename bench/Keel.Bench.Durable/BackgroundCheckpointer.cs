using Microsoft.Data.Sqlite;

namespace Keel.Bench.Durable;

/// <summary>
/// What-if <c>bgcheckpoint</c>: a connection of its own runs <c>wal_checkpoint(PASSIVE)</c> every few milliseconds,
/// so the WAL never reaches the 1,000 frames at which the store's writer would checkpoint inside a step's commit.
/// This is what a store-side background checkpointer (writer with <c>wal_autocheckpoint = 0</c>) would do: copying
/// pages into the main file and its fsyncs leave the commit path.
/// </summary>
internal sealed class BackgroundCheckpointer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public BackgroundCheckpointer(string path, string synchronous)
    {
        _loop = Task.Run(() => LoopAsync(path, synchronous, _stop.Token));
    }

    public int Checkpoints { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync(string path, string synchronous, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = $"PRAGMA synchronous = {synchronous}";
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await checkpoint.ExecuteNonQueryAsync(cancellationToken);
                Checkpoints++;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
