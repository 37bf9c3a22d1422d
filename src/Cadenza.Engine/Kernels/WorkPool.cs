using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Cadenza.Engine.Kernels;

/// <summary>One unit of parallel work: <see cref="Run"/> is called once per item index.</summary>
internal interface IParallelJob
{
    /// <summary>Processes item <paramref name="index"/> on pool thread <paramref name="thread"/> (0 = caller).</summary>
    void Run(int index, int thread);
}

/// <summary>
/// Controls how many cores the engine's kernels use. The engine runs all its parallel work on one
/// small persistent pool of threads (the calling thread plus <c>Threads - 1</c> workers), so a
/// parallel kernel call allocates nothing and BLAS runs single-threaded inside it (no second pool
/// competing for the cores).
/// </summary>
public static class EngineThreads
{
    /// <summary>
    /// Number of threads used by parallel kernels, including the caller; between 1 and the number
    /// of workers started (<see cref="Environment.ProcessorCount"/>, or the <c>CADENZA_THREADS</c>
    /// environment variable when set). Setting a value outside that range clamps it.
    /// </summary>
    public static int Count
    {
        get => WorkPool.ActiveThreads;
        set => WorkPool.ActiveThreads = Math.Clamp(value, 1, WorkPool.MaxThreads);
    }

    /// <summary>The largest value <see cref="Count"/> can take in this process.</summary>
    public static int Max => WorkPool.MaxThreads;
}

/// <summary>
/// A minimal fork-join pool: the caller publishes a job (a pointer to a struct on its stack and a
/// static invoker), workers claim item indices with a compare-and-swap on one 64-bit ticket
/// (generation | count | next), and the caller spins until all items are done. Nested calls and
/// calls from a second thread while the pool is busy run serially on the calling thread.
/// Workers spin briefly between jobs, then sleep.
/// </summary>
internal static unsafe class WorkPool
{
    private const int ItemBits = 20;
    private const long ItemMask = (1L << ItemBits) - 1;
    public const int MaxItems = (1 << ItemBits) - 1;

    public static readonly int MaxThreads = ReadMaxThreads();
    private static int _active = MaxThreads;
    private static readonly object _dispatch = new();
    private static readonly AutoResetEvent[] _wake = CreateEvents();
    private static readonly int[] _sleeping = new int[MaxThreads];
    private static long _ticket;       // gen << 40 | count << 20 | next
    private static int _done;
    private static delegate*<void*, int, int, void> _fn;
    private static void* _state;
    private static int _started;
    [ThreadStatic] private static bool _inJob;
    [ThreadStatic] private static int _threadIndex;
    private static readonly long SpinTicks = Stopwatch.Frequency / 200; // 5 ms of polite spinning (yields) before blocking

    private static long _workerAllocated;

    /// <summary>Managed bytes allocated so far by the pool's worker threads (a diagnostic for allocation tests).</summary>
    internal static long WorkerAllocatedBytes => Volatile.Read(ref _workerAllocated);

    public static int ActiveThreads
    {
        get => Volatile.Read(ref _active);
        set => Volatile.Write(ref _active, value);
    }

    private static AutoResetEvent[] CreateEvents()
    {
        var a = new AutoResetEvent[MaxThreads];
        for (int i = 0; i < a.Length; i++) a[i] = new AutoResetEvent(false);
        return a;
    }

    private static int ReadMaxThreads()
    {
        var env = Environment.GetEnvironmentVariable("CADENZA_THREADS");
        if (env != null && int.TryParse(env, out int n) && n >= 1) return Math.Min(n, 256);
        return Math.Max(1, Environment.ProcessorCount);
    }

    /// <summary>True when a parallel call made now would run on more than one thread.</summary>
    public static bool CanParallelize => !_inJob && ActiveThreads > 1;

    private static class Invoker<TJob> where TJob : struct, IParallelJob
    {
        public static void Invoke(void* state, int index, int thread) => Unsafe.AsRef<TJob>(state).Run(index, thread);
    }

    /// <summary>Runs <c>job.Run(i, thread)</c> for every i in [0, count), in parallel when possible.</summary>
    public static void Run<TJob>(ref TJob job, int count) where TJob : struct, IParallelJob
    {
        if (count <= 0) return;
        if (count == 1 || _inJob || ActiveThreads <= 1 || count > MaxItems || !Monitor.TryEnter(_dispatch))
        {
            bool was = _inJob;
            _inJob = true;
            int me = _threadIndex;
            try { for (int i = 0; i < count; i++) job.Run(i, me); }
            finally { _inJob = was; }
            return;
        }
        try
        {
            EnsureStarted();
            _fn = &Invoker<TJob>.Invoke;
            _state = Unsafe.AsPointer(ref job);
            Volatile.Write(ref _done, 0);
            long gen = (Volatile.Read(ref _ticket) >> (2 * ItemBits)) + 1;
            Interlocked.Exchange(ref _ticket, (gen << (2 * ItemBits)) | ((long)count << ItemBits));
            for (int w = 1; w < MaxThreads; w++)
                if (Volatile.Read(ref _sleeping[w]) == 1 && Interlocked.Exchange(ref _sleeping[w], 0) == 1)
                    _wake[w].Set();
            _inJob = true;
            try
            {
                int mine = Work(gen, 0, &Invoker<TJob>.Invoke, Unsafe.AsPointer(ref job));
                if (mine > 0) Interlocked.Add(ref _done, mine);
            }
            finally { _inJob = false; }
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < count) spin.SpinOnce(-1);
        }
        finally
        {
            _state = null;
            Monitor.Exit(_dispatch);
        }
    }

    /// <summary>Claims and runs items of generation <paramref name="gen"/>; returns how many it ran.</summary>
    private static int Work(long gen, int thread, delegate*<void*, int, int, void> fn, void* state)
    {
        int ran = 0;
        while (true)
        {
            long t = Volatile.Read(ref _ticket);
            if (t >> (2 * ItemBits) != gen) break;
            int count = (int)((t >> ItemBits) & ItemMask);
            int next = (int)(t & ItemMask);
            if (next >= count) break;
            if (thread >= ActiveThreads) break;
            if (Interlocked.CompareExchange(ref _ticket, t + 1, t) != t) continue;
            fn(state, next, thread);
            ran++;
        }
        return ran;
    }

    private static void EnsureStarted()
    {
        if (Volatile.Read(ref _started) != 0) return;
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        for (int i = 1; i < MaxThreads; i++)
        {
            var th = new Thread(WorkerLoop, 256 * 1024) { IsBackground = true, Name = $"cadenza-engine-{i}" };
            th.Start(i);
        }
    }

    private static void WorkerLoop(object? arg)
    {
        int thread = (int)arg!;
        _inJob = true;
        _threadIndex = thread;
        long seen = Volatile.Read(ref _ticket) >> (2 * ItemBits);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        while (true)
        {
            long now = GC.GetAllocatedBytesForCurrentThread();
            if (now != allocated) { Interlocked.Add(ref _workerAllocated, now - allocated); allocated = now; }
            long start = Stopwatch.GetTimestamp();
            long gen;
            var spin = new SpinWait();
            bool slept = false;
            while ((gen = Volatile.Read(ref _ticket) >> (2 * ItemBits)) == seen)
            {
                if (Stopwatch.GetTimestamp() - start > SpinTicks) { slept = true; break; }
                spin.SpinOnce(-1);
            }
            if (slept)
            {
                // Sleep until the dispatcher sees the flag and signals (allocation-free wait).
                Interlocked.Exchange(ref _sleeping[thread], 1);
                if ((Volatile.Read(ref _ticket) >> (2 * ItemBits)) == seen) _wake[thread].WaitOne();
                Interlocked.Exchange(ref _sleeping[thread], 0);
                continue;
            }
            seen = gen;
            var fn = _fn;
            var state = _state;
            if (fn == null || state == null) continue;
            long beforeJob = GC.GetAllocatedBytesForCurrentThread();
            if (beforeJob != allocated) { Interlocked.Add(ref _workerAllocated, beforeJob - allocated); allocated = beforeJob; }
            int ran = Work(gen, thread, fn, state);
            long afterJob = GC.GetAllocatedBytesForCurrentThread();
            if (afterJob != allocated) { Interlocked.Add(ref _workerAllocated, afterJob - allocated); allocated = afterJob; }
            if (ran > 0) Interlocked.Add(ref _done, ran);
        }
    }
}
