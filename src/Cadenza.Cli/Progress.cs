namespace Cadenza.Cli;

/// <summary>
/// A progress bar on standard error for batch work. On a terminal it redraws one line; when
/// standard error is redirected it prints a line every 10%, so logs stay short.
/// </summary>
public sealed class Progress
{
    private readonly string _label;
    private readonly int _total;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly object _lock = new();
    private int _done;
    private int _lastDecile = -1;
    private long _lastDrawMs = -1000;

    /// <summary>Starts a bar for <paramref name="total"/> items.</summary>
    public Progress(string label, int total)
    {
        _label = label;
        _total = Math.Max(total, 1);
    }

    /// <summary>Marks one more item done (thread-safe) and redraws when due.</summary>
    public void Tick(string? current = null)
    {
        lock (_lock)
        {
            _done++;
            if (_interactive)
            {
                long now = _watch.ElapsedMilliseconds;
                if (now - _lastDrawMs < 100 && _done < _total) return;
                _lastDrawMs = now;
                double frac = (double)_done / _total;
                int width = 30, fill = (int)(frac * width);
                string eta = _done > 0 && _done < _total
                    ? $" ETA {TimeSpan.FromSeconds(_watch.Elapsed.TotalSeconds / _done * (_total - _done)):mm\\:ss}" : "";
                string name = current == null ? "" : " " + Shorten(current, 40);
                Console.Error.Write($"\r{_label} [{new string('#', fill)}{new string('.', width - fill)}] {_done}/{_total}{eta}{name}".PadRight(110));
            }
            else
            {
                int decile = _done * 10 / _total;
                if (decile != _lastDecile)
                {
                    _lastDecile = decile;
                    Console.Error.WriteLine($"{_label}: {_done}/{_total} ({_watch.Elapsed.TotalSeconds:F1} s)");
                }
            }
        }
    }

    /// <summary>Finishes the bar (moves to a new line on a terminal).</summary>
    public void Done()
    {
        if (_interactive) Console.Error.WriteLine();
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : "..." + s[^(max - 3)..];
}
