using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Keel.Memory.Retrieval;

/// <summary>
/// The parts of USearch's C API its .NET binding (2.26.6) does not expose: an index loaded from a file comes back
/// with the default search expansion (64, not the 256 it was built with: recall@10 fell from 0.96 to 0.90 on the
/// scale bench) and thread slots. Reached through the binding's native handle; a no-op if a later binding renames it.
/// </summary>
internal static class USearchNative
{
    private const string Library = "libusearch_c";

    private static readonly FieldInfo? Handle = typeof(USearchIndex).GetField("_index", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>Sets the expansions and the number of threads that may add or search at once.</summary>
    public static void Configure(USearchIndex index, ulong expansionAdd, ulong expansionSearch, int threads)
    {
        if (Handle?.GetValue(index) is not IntPtr handle || handle == IntPtr.Zero)
        {
            return;
        }

        var error = IntPtr.Zero;
        ChangeExpansionAdd(handle, (nuint)expansionAdd, ref error);
        Check(error);
        ChangeExpansionSearch(handle, (nuint)expansionSearch, ref error);
        Check(error);
        ChangeThreadsAdd(handle, (nuint)threads, ref error);
        Check(error);
        ChangeThreadsSearch(handle, (nuint)threads, ref error);
        Check(error);
    }

    private static void Check(IntPtr error)
    {
        if (error != IntPtr.Zero)
        {
            throw new USearchException(Marshal.PtrToStringAnsi(error) ?? "USearch failed.");
        }
    }

    // The C API leaves the error pointer untouched on success, so it is passed in as null.
    [DllImport(Library, EntryPoint = "usearch_change_expansion_add")]
    private static extern void ChangeExpansionAdd(IntPtr index, nuint expansion, ref IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_change_expansion_search")]
    private static extern void ChangeExpansionSearch(IntPtr index, nuint expansion, ref IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_change_threads_add")]
    private static extern void ChangeThreadsAdd(IntPtr index, nuint threads, ref IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_change_threads_search")]
    private static extern void ChangeThreadsSearch(IntPtr index, nuint threads, ref IntPtr error);
}
