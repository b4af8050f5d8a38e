using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// One SQL statement compiled once for the writer connection and run through SQLite's C API. A journal commit
/// writes a dozen rows, and binding them through ADO.NET (a parameter collection looked up by name, values boxed
/// and switched on type, the statement re-validated at every execution) cost several microseconds per statement;
/// here a parameter's index is resolved when the statement is prepared and a value goes straight to
/// <c>sqlite3_bind_*</c>. The statement runs on the same connection handle, so inside the ADO.NET transaction that
/// is open on it; errors surface as the <see cref="SqliteException"/> (with SQLite's error code) that ADO.NET
/// would have thrown, so callers keep their catch clauses.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit] // the stack buffer text is encoded into need not be zeroed first (768 bytes per bind)
internal sealed class PreparedStatement : IDisposable
{
    private const int StackEncodeLimit = 256; // characters encoded on the stack; longer text borrows a pooled buffer

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly nint _databasePointer; // the hot calls go straight to SQLite (SqliteNative); the handles above keep these alive
    private readonly nint _statementPointer;
    private readonly string[] _names;
    private readonly long _busyTimeoutMs;

    /// <summary>Compiles <paramref name="sql"/> (one statement) on the connection's handle, kept for the connection's life.</summary>
    public PreparedStatement(SqliteConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _db = connection.Handle ?? throw new InvalidOperationException("The connection must be open to prepare a statement.");
        _busyTimeoutMs = connection.DefaultTimeout * 1000L;
        var rc = raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement, out string tail);
        if (rc != raw.SQLITE_OK)
        {
            _statement?.Dispose();
            throw Error(rc);
        }

        if (!string.IsNullOrWhiteSpace(tail))
        {
            _statement.Dispose();
            throw new ArgumentException("A prepared statement holds one SQL statement.", nameof(sql));
        }

        _databasePointer = _db.DangerousGetHandle();
        _statementPointer = _statement.DangerousGetHandle();

        // Interned, so that the literal names callers pass are usually found by reference before any string comparison.
        _names = new string[raw.sqlite3_bind_parameter_count(_statement)];
        for (var i = 0; i < _names.Length; i++)
        {
            _names[i] = string.Intern(raw.sqlite3_bind_parameter_name(_statement, i + 1).utf8_to_string());
        }
    }

    /// <summary>
    /// Starts an execution. The statement runs in whatever transaction is open on its connection; the argument
    /// documents (and checks) that the caller means the one it passes.
    /// </summary>
    public PreparedStatement Bind(SqliteTransaction? transaction)
    {
        Debug.Assert(transaction is null || transaction.Connection?.Handle == _db, "The transaction belongs to another connection.");
        return this;
    }

    /// <summary>Binds text; null binds SQL NULL.</summary>
    public void Set(string name, string? value)
    {
        var index = IndexOf(name);
        if (value is null)
        {
            Check(SqliteNative.BindNull(_statementPointer, index));
        }
        else if (value.Length == 0)
        {
            Check(raw.sqlite3_bind_text(_statement, index, string.Empty)); // an empty span would bind NULL
        }
        else if (value.Length <= StackEncodeLimit)
        {
            Span<byte> buffer = stackalloc byte[StackEncodeLimit * 3];
            var length = Encoding.UTF8.GetBytes(value, buffer);
            Check(SqliteNative.BindText(_statementPointer, index, buffer[..length]));
        }
        else
        {
            // SQLite copies the bound bytes (SQLITE_TRANSIENT), so the buffer goes back to the pool at once.
            var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(value.Length));
            try
            {
                var length = Encoding.UTF8.GetBytes(value, buffer);
                Check(SqliteNative.BindText(_statementPointer, index, buffer.AsSpan(0, length)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Binds text given as UTF-8 bytes (copied by SQLite), e.g. JSON written straight to a buffer.</summary>
    public void SetUtf8Text(string name, ReadOnlySpan<byte> utf8)
    {
        var index = IndexOf(name);
        Check(utf8.IsEmpty ? raw.sqlite3_bind_text(_statement, index, string.Empty) : SqliteNative.BindText(_statementPointer, index, utf8));
    }

    /// <summary>Binds an integer.</summary>
    public void Set(string name, long value) => Check(SqliteNative.BindInt64(_statementPointer, IndexOf(name), value));

    /// <summary>Binds an integer; null binds SQL NULL.</summary>
    public void Set(string name, long? value)
    {
        var index = IndexOf(name);
        Check(value is { } v ? SqliteNative.BindInt64(_statementPointer, index, v) : SqliteNative.BindNull(_statementPointer, index));
    }

    /// <summary>Binds a real number.</summary>
    public void Set(string name, double value) => Check(SqliteNative.BindDouble(_statementPointer, IndexOf(name), value));

    /// <summary>Binds a blob; null binds SQL NULL, an empty array an empty blob (as ADO.NET does).</summary>
    public void Set(string name, byte[]? value)
    {
        var index = IndexOf(name);
        Check(value switch
        {
            null => SqliteNative.BindNull(_statementPointer, index),
            [] => raw.sqlite3_bind_zeroblob(_statement, index, 0), // an empty span would bind NULL
            _ => raw.sqlite3_bind_blob(_statement, index, value),
        });
    }

    /// <summary>Runs the statement to its end; returns the rows it inserted, updated or deleted (triggers not counted).</summary>
    /// <exception cref="SqliteException">SQLite refused it, e.g. a constraint violation (error code 19).</exception>
    public int Execute()
    {
        try
        {
            int rc;
            while ((rc = Step()) == raw.SQLITE_ROW)
            {
            }

            if (rc != raw.SQLITE_DONE)
            {
                throw Error(rc);
            }

            return SqliteNative.Changes(_databasePointer);
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>The first column of the first row (long, double, string or byte[]), or null when there is no row.</summary>
    /// <exception cref="SqliteException">SQLite refused the statement.</exception>
    public object? Scalar()
    {
        try
        {
            var rc = Step();
            if (rc == raw.SQLITE_DONE)
            {
                return null;
            }

            if (rc != raw.SQLITE_ROW)
            {
                throw Error(rc);
            }

            return raw.sqlite3_column_type(_statement, 0) switch
            {
                raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_statement, 0),
                raw.SQLITE_FLOAT => raw.sqlite3_column_double(_statement, 0),
                raw.SQLITE_TEXT => raw.sqlite3_column_text(_statement, 0).utf8_to_string(),
                raw.SQLITE_BLOB => raw.sqlite3_column_blob(_statement, 0).ToArray(),
                _ => null,
            };
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>
    /// Runs a query, calling <paramref name="onRow"/> for each row it returns; the row is read during the call with
    /// <see cref="Int64"/> and <see cref="Text"/>. The state argument lets callers pass a static lambda (no closure).
    /// </summary>
    /// <exception cref="SqliteException">SQLite refused the statement.</exception>
    public void ForEachRow<TState>(TState state, Action<PreparedStatement, TState> onRow)
    {
        ArgumentNullException.ThrowIfNull(onRow);
        try
        {
            int rc;
            while ((rc = Step()) == raw.SQLITE_ROW)
            {
                onRow(this, state);
            }

            if (rc != raw.SQLITE_DONE)
            {
                throw Error(rc);
            }
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>A column of the current row (see <see cref="ForEachRow"/>) as an integer; NULL reads 0.</summary>
    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    /// <summary>A column of the current row (see <see cref="ForEachRow"/>) as text; NULL reads null.</summary>
    public string? Text(int column) =>
        raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(_statement, column).utf8_to_string();

    public void Dispose() => _statement.Dispose();

    /// <summary>One step, retried while another connection holds the file locked, for the connection's default timeout (as ADO.NET does).</summary>
    private int Step()
    {
        var rc = SqliteNative.Step(_statementPointer);
        if (rc is not (raw.SQLITE_BUSY or raw.SQLITE_LOCKED))
        {
            return rc;
        }

        var waited = Stopwatch.StartNew();
        while (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED && (_busyTimeoutMs == 0 || waited.ElapsedMilliseconds < _busyTimeoutMs))
        {
            Reset(); // keeps the bindings
            Thread.Sleep(10);
            rc = SqliteNative.Step(_statementPointer);
        }

        return rc;
    }

    /// <summary>
    /// Readies the statement for its next execution. The values stay bound (as ADO.NET's parameters did): callers set
    /// every parameter each time, and rebinding reuses each value's buffer where clearing would free it and the next
    /// bind allocate it again.
    /// </summary>
    private void Reset() => _ = SqliteNative.Reset(_statementPointer); // it repeats the last step's error, already handled

    private int IndexOf(string name)
    {
        var names = _names;
        for (var i = 0; i < names.Length; i++)
        {
            if (ReferenceEquals(names[i], name))
            {
                return i + 1;
            }
        }

        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                // Keep the caller's instance, so that its next call is found by reference. Interning does not make
                // literals the same instance everywhere (NativeAOT's frozen literals are not the interned ones), and a
                // string comparison per parameter per bind was ~10 % of the native gateway's writer thread.
                names[i] = name;
                return i + 1;
            }
        }

        throw new ArgumentException($"The statement has no parameter {name}.", nameof(name));
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Error(rc);
        }
    }

    /// <summary>The exception ADO.NET throws for a result code: the primary code, the extended one, SQLite's message.</summary>
    private SqliteException Error(int rc)
    {
        var message = raw.sqlite3_errmsg(_db).utf8_to_string();
        return new SqliteException($"SQLite Error {rc & 0xFF}: '{message}'.", rc & 0xFF, raw.sqlite3_extended_errcode(_db));
    }
}
