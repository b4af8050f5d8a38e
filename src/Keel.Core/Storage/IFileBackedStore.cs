namespace Keel.Storage;

/// <summary>
/// A store kept in one file on this machine. Features that keep derived files beside the data (the memory service's
/// saved approximate indexes) put them next to <see cref="Path"/>; with a store that is not a file they keep none.
/// </summary>
public interface IFileBackedStore
{
    /// <summary>The full path of the database file.</summary>
    string Path { get; }
}
