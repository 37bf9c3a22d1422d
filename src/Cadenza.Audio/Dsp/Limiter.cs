namespace Cadenza.Audio.Dsp;

/// <summary>
/// Offline look-ahead peak limiter, streaming over the buffer with O(look-ahead) memory.
/// For every frame the needed gain is ceiling / peak (1 when below the ceiling). The gain curve is
/// A[n] = min(need[n .. n+L]) (look-ahead L frames), held by an exponential release R[n] = min(A[n], R[n-1] + (1-R[n-1])·rc),
/// then smoothed by an L+1-frame moving average G[n] = mean(R[n-L .. n]). Every R averaged at frame n is a minimum over a
/// window that contains n, so G[n] ≤ need[n]: the output peak is at most the ceiling, guaranteed, while the gain moves
/// smoothly (it starts falling L frames before a peak) instead of clipping.
/// </summary>
internal static class Limiter
{
    /// <summary>Limits interleaved <paramref name="io"/> in place; returns the smallest gain applied (1 when nothing was above the ceiling).</summary>
    public static float Process(float[] io, int channels, int sampleRate, float ceiling, double lookAheadSeconds = 0.0015, double releaseSeconds = 0.08)
    {
        int frames = io.Length / channels;
        if (frames == 0) return 1f;
        bool any = false;
        foreach (float v in io) if (Math.Abs(v) > ceiling) { any = true; break; }
        if (!any) return 1f;

        int la = Math.Max(1, (int)(lookAheadSeconds * sampleRate));
        int span = la + 1;
        float rc = (float)(1 - Math.Exp(-1.0 / (releaseSeconds * sampleRate)));

        // Monotonic deque (ring of capacity la+2) of frame indices over [n, n+la], values increasing from head to tail.
        int cap = la + 2;
        var dqIndex = new int[cap];
        var dqValue = new float[cap];
        int head = 0, tail = 0, count = 0, next = 0;
        // need[] of the frames in the look-ahead window, by frame % span (written when the frame enters the window).
        var needRing = new float[span];
        int needAt = 0;      // slot of frame `next`
        int nowAt = 0;       // slot of frame n
        // The last la+1 values of R for the moving average, by frame % span.
        var ring = new float[span];
        double sum = 0;
        float r = 1f, minGain = 1f;

        for (int n = 0; n < frames; n++)
        {
            int last = Math.Min(frames - 1, n + la);
            while (next <= last)
            {
                float g = Need(io, next, channels, ceiling);
                needRing[needAt] = g;
                if (++needAt == span) needAt = 0;
                while (count > 0)
                {
                    int back = tail == 0 ? cap - 1 : tail - 1;
                    if (dqValue[back] < g) break;
                    tail = back; count--;
                }
                dqIndex[tail] = next; dqValue[tail] = g;
                if (++tail == cap) tail = 0;
                count++;
                next++;
            }
            while (dqIndex[head] < n) { if (++head == cap) head = 0; count--; }
            float a = dqValue[head];

            if (n == 0)
            {
                r = a;
                Array.Fill(ring, r); // R before frame 0 counts as R[0]
                sum = r * (double)span;
            }
            else
            {
                r = Math.Min(a, r + (1 - r) * rc);
                sum += r - ring[nowAt];
                ring[nowAt] = r;
            }
            float gain = (float)(sum / span);
            float need = needRing[nowAt];
            if (++nowAt == span) nowAt = 0;
            if (gain > need) gain = need;   // guards float rounding of the running sum
            if (gain < minGain) minGain = gain;
            if (gain < 1f)
            {
                int i = n * channels;
                for (int c = 0; c < channels; c++, i++) io[i] = Math.Clamp(io[i] * gain, -ceiling, ceiling);
            }
        }
        return minGain;
    }

    private static float Need(float[] io, int frame, int channels, float ceiling)
    {
        float pk = 0;
        int i = frame * channels;
        for (int c = 0; c < channels; c++) { float v = Math.Abs(io[i + c]); if (v > pk) pk = v; }
        return pk > ceiling ? ceiling / pk : 1f;
    }
}
