using System.Runtime.InteropServices;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// The SQLite calls a journal commit makes dozens of times (bind, step, reset), straight to e_sqlite3 with the raw
/// statement pointer. Through SQLitePCL each one went through an interface dispatch and a SafeHandle add-ref and
/// release, ~3 % of the native gateway's CPU samples, on the writer thread; direct, the writer's CPU per gateway call
/// went 21.2 -> 20.5 µs (bench/gateway/cpu.sh, interleaved). The caller keeps the SafeHandle alive for as long as it
/// uses the pointer (<see cref="PreparedStatement"/> owns both).
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    /// <summary>SQLITE_TRANSIENT: SQLite copies the bytes before the call returns, so a stack buffer may be bound.</summary>
    private const nint Transient = -1;

    public static int BindText(nint statement, int index, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* text = utf8)
        {
            return sqlite3_bind_text(statement, index, text, utf8.Length, Transient);
        }
    }

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    public static partial int BindInt64(nint statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_double")]
    public static partial int BindDouble(nint statement, int index, double value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    public static partial int BindNull(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    public static partial int Step(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset")]
    public static partial int Reset(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_changes")]
    public static partial int Changes(nint database);

    [LibraryImport(Library)]
    private static partial int sqlite3_bind_text(nint statement, int index, byte* text, int length, nint destructor);
}
