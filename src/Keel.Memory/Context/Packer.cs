namespace Keel.Memory.Context;

/// <summary>
/// Chooses what goes in a context, in the documented priority order (see <see cref="ContextAssembler"/>), never
/// taking a step that would make the exact total exceed the budget, and finishing only when nothing left out fits.
/// </summary>
internal sealed class Packer
{
    private readonly ContextLayout _layout;
    private readonly int _budget;
    private readonly ContextAssemblyOptions _options;
    private readonly HashSet<int> _memories = [];
    private readonly int _keepable;
    private readonly int[] _repeatedBy; // per memory: the newest turn that is the same message, or int.MaxValue
    private int _kept;
    private bool _summary;

    public Packer(ContextLayout layout, string sessionId, int budget, ContextAssemblyOptions options)
    {
        _layout = layout;
        _budget = budget;
        _options = options;
        SummaryAllowed = options.IncludeRecentTurns && options.IncludeSummary;
        _keepable = 0;
        while (_keepable < layout.Units.Count && !layout.Units[_keepable].Orphaned)
        {
            _keepable++;
        }

        _repeatedBy = new int[layout.Memories.Count];
        for (var m = 0; m < layout.Memories.Count; m++)
        {
            _repeatedBy[m] = int.MaxValue;
            for (var u = 0; u < layout.Units.Count; u++)
            {
                if (ContextAssembler.Repeats(layout.Units[u], layout.Memories[m].Memory!.Memory, sessionId))
                {
                    _repeatedBy[m] = u;
                    break;
                }
            }
        }
    }

    public bool SummaryAllowed { get; }

    /// <summary>Memories left out because a kept turn is the same message, with the turn's id.</summary>
    public Dictionary<int, string> Repeated { get; } = [];

    public Choice Choice => new(_kept, _summary, [.. _memories]);

    public void Run()
    {
        var recentLimit = (int)Math.Floor(_budget * _options.RecentTurnsShare);
        var memoryLimit = (int)Math.Floor(_budget * _options.MemoriesShare);

        // 1. The newest turns, within their share.
        while (_kept < _keepable && _layout.TurnTokens(_kept + 1) <= recentLimit && TryAddTurns(_kept + 1))
        {
        }

        // 2. The note for what is left out.
        TrySummary();

        // 3. Memories, best first, within their share.
        for (var m = 0; m < _layout.Memories.Count; m++)
        {
            if (!Drop(m) && _layout.MemoryTokens([.. _memories, m]) <= memoryLimit)
            {
                TryAdd(m);
            }
        }

        // 4. Older turns, within the whole budget. 5. Anything else that fits, until nothing does.
        TryAddTurns();
        bool changed;
        do
        {
            changed = false;
            for (var m = 0; m < _layout.Memories.Count; m++)
            {
                changed |= !Drop(m) && TryAdd(m);
            }

            changed |= TrySummary();
            changed |= TryAddTurns();
        }
        while (changed);
    }

    private bool Fits(Choice choice) => _layout.Total(choice) <= _budget;

    /// <summary>True when memory <paramref name="m"/> is out of the running: already in, or a kept turn's repeat.</summary>
    private bool Drop(int m)
    {
        if (_memories.Contains(m) || Repeated.ContainsKey(m))
        {
            return true;
        }

        if (_repeatedBy[m] < _kept)
        {
            Repeated[m] = _layout.Units[_repeatedBy[m]].Item.Id;
            return true;
        }

        return false;
    }

    private bool TryAdd(int m)
    {
        if (!Fits(new Choice(_kept, _summary, [.. _memories, m])))
        {
            return false;
        }

        _memories.Add(m);
        return true;
    }

    private bool TrySummary()
    {
        if (!SummaryAllowed || _summary || _layout.Omitted(_kept) <= 0 || !Fits(new Choice(_kept, true, _memories)))
        {
            return false;
        }

        _summary = true;
        return true;
    }

    /// <summary>
    /// Keeps more turns: the fewest more that fit (usually one; more only when keeping them all drops the note).
    /// With <paramref name="only"/>, tries exactly that many.
    /// </summary>
    private bool TryAddTurns(int? only = null)
    {
        if (!_options.IncludeRecentTurns)
        {
            return false;
        }

        for (var kept = only ?? _kept + 1; kept <= (only ?? _keepable); kept++)
        {
            if (kept > _keepable)
            {
                return false;
            }

            // Memories that repeat a newly kept turn make way for it.
            var repeats = _memories.Where(m => _repeatedBy[m] < kept).ToList();
            if (Fits(new Choice(kept, _summary, [.. _memories.Except(repeats)])))
            {
                _kept = kept;
                foreach (var m in repeats)
                {
                    _memories.Remove(m);
                }

                return true;
            }
        }

        return false;
    }
}
