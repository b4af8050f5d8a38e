namespace Keel.Cli.Tests;

/// <summary>A fresh folder for a test's files, deleted with everything in it (database, -wal, -shm) on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("keel-cli-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>The full path of a file in the folder; the file is not created.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }
}
