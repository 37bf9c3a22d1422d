namespace Cadenza.Audio.Dsp;

/// <summary>
/// Offline look-ahead peak limiter. For every frame the needed gain is ceiling / peak (1 when below the ceiling);
/// the gain curve is the minimum of that over the next L frames (look-ahead), held by an exponential release,
/// then smoothed by an L+1-frame moving average. Because every value averaged at frame n is itself a minimum over a
/// window containing n, the applied gain never exceeds the needed gain: the output peak is ≤ the ceiling, guaranteed.
/// </summary>
internal static class Limiter
{
    /// <summary>Limits interleaved <paramref name="io"/> in place; returns the smallest gain applied.</summary>
    public static float Process(float[] io, int channels, int sampleRate, float ceiling, double lookAheadSeconds = 0.0015, double releaseSeconds = 0.08)
    {
        int frames = io.Length / channels;
        if (frames == 0) return 1f;
        int la = Math.Max(1, (int)(lookAheadSeconds * sampleRate));

        // need[n] = min(1, ceiling / peak(n)), stored in a frame-length array.
        var need = new float[frames];
        bool any = false;
        for (int n = 0, i = 0; n < frames; n++)
        {
            float pk = 0;
            for (int c = 0; c < channels; c++, i++) { float a = Math.Abs(io[i]); if (a > pk) pk = a; }
            float g = pk > ceiling ? ceiling / pk : 1f;
            if (g < 1f) any = true;
            need[n] = g;
        }
        if (!any) return 1f;

        // A[n] = min(need[n .. n+la]) via a monotonic deque, then release-hold forward: R[n] = min(A[n], R[n-1] + (1-R[n-1])*rc).
        var ahead = new float[frames];
        var dq = new int[frames];
        int head = 0, tail = 0, next = 0;
        for (int n = 0; n < frames; n++)
        {
            int last = Math.Min(frames - 1, n + la);
            while (next <= last)
            {
                while (tail > head && need[dq[tail - 1]] >= need[next]) tail--;
                dq[tail++] = next++;
            }
            while (dq[head] < n) head++;
            ahead[n] = need[dq[head]];
        }
        float rc = (float)(1 - Math.Exp(-1.0 / (releaseSeconds * sampleRate)));
        float r = ahead[0];
        for (int n = 0; n < frames; n++)
        {
            r = Math.Min(ahead[n], r + (1 - r) * rc);
            ahead[n] = r;
        }

        // G[n] = mean(R[n-la .. n]) with R clamped at index 0; apply, with a hard clamp to the ceiling against rounding.
        double sum = ahead[0] * (double)(la + 1);
        float minGain = 1f;
        for (int n = 0, i = 0; n < frames; n++)
        {
            if (n > 0) sum += ahead[n] - ahead[Math.Max(0, n - la - 1)];
            float gain = (float)(sum / (la + 1));
            if (gain > need[n]) gain = need[n];
            if (gain < minGain) minGain = gain;
            for (int c = 0; c < channels; c++, i++) io[i] = Math.Clamp(io[i] * gain, -ceiling, ceiling);
        }
        return minGain;
    }
}
