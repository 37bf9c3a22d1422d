using System.Runtime.ExceptionServices;

namespace Cadenza.Audio.Synth;

/// <summary>
/// A dedicated thread that renders one <see cref="SynthEngine"/> chunk by chunk on request, handing over through two
/// semaphores (no allocation per chunk). An exception on the worker is rethrown by <see cref="Wait"/>.
/// </summary>
internal sealed class GroupWorker : IDisposable
{
    private readonly SynthEngine _engine;
    private readonly Thread _thread;
    private readonly SemaphoreSlim _go = new(0), _done = new(0);
    private float[]? _mix;
    private long _start;
    private int _frames;
    private volatile bool _stop;
    private Exception? _error;

    public GroupWorker(SynthEngine engine)
    {
        _engine = engine;
        _thread = new Thread(Loop) { IsBackground = true, Name = "Cadenza synth voices" };
        _thread.Start();
    }

    /// <summary>Starts rendering frames [start, start + frames) into <paramref name="mix"/>; call <see cref="Wait"/> before reading it.</summary>
    public void Start(float[] mix, long start, int frames)
    {
        _mix = mix; _start = start; _frames = frames;
        _go.Release();
    }

    /// <summary>Waits for the chunk started last; rethrows the worker's exception, if any.</summary>
    public void Wait()
    {
        _done.Wait();
        if (_error != null) ExceptionDispatchInfo.Throw(_error);
    }

    private void Loop()
    {
        while (true)
        {
            _go.Wait();
            if (_stop) return;
            try { _engine.Render(_mix!, _start, _frames); }
            catch (Exception e) { _error = e; }
            _done.Release();
        }
    }

    public void Dispose()
    {
        _stop = true;
        _go.Release();
        _thread.Join();
        _go.Dispose();
        _done.Dispose();
    }
}
