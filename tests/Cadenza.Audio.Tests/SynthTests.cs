using Cadenza.Audio;
using Cadenza.Music;

namespace Cadenza.Audio.Tests;

public sealed class SynthTests
{
    private const int Tpq = 480; // 120 bpm default: one quarter = 0.5 s, so 960 ticks = 1 s

    private static long Ticks(double seconds) => (long)Math.Round(seconds * 2 * Tpq);

    private static Score OneNote(int program, int pitch, double start, double length, int velocity = 100, bool drum = false, int channel = 0)
    {
        var s = new Score(Tpq);
        var t = new Track { Program = program, IsDrum = drum, Channel = drum ? 9 : channel };
        t.Notes.Add(new Note(Ticks(start), Ticks(length), pitch, velocity));
        s.Tracks.Add(t);
        return s;
    }

    private static SynthOptions Dry(int rate = 44100) => new() { SampleRate = rate, ReverbWet = 0 };

    private static double Rms(AudioBuffer a, double from, double to, int channel = -1)
    {
        int f0 = (int)(from * a.SampleRate), f1 = Math.Min(a.FrameCount, (int)(to * a.SampleRate));
        double sum = 0; long n = 0;
        for (int f = f0; f < f1; f++)
            for (int c = 0; c < 2; c++)
            {
                if (channel >= 0 && c != channel) continue;
                double v = a.Samples[2 * f + c];
                sum += v * v; n++;
            }
        return n == 0 ? 0 : Math.Sqrt(sum / n);
    }

    /// <summary>Frequency (Hz, 1 Hz steps) with the largest DFT magnitude between lo and hi, over the mono mix of [from, to).</summary>
    private static double PeakFrequency(AudioBuffer a, double from, double to, double lo, double hi)
    {
        int f0 = (int)(from * a.SampleRate), f1 = (int)(to * a.SampleRate);
        var x = new double[f1 - f0];
        for (int i = 0; i < x.Length; i++)
        {
            double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / (x.Length - 1)); // Hann window
            x[i] = w * (a.Samples[2 * (f0 + i)] + a.Samples[2 * (f0 + i) + 1]);
        }
        double best = 0, bestF = 0;
        for (double f = lo; f <= hi; f += 1)
        {
            // Goertzel
            double k = 2 * Math.Cos(2 * Math.PI * f / a.SampleRate), s1 = 0, s2 = 0;
            foreach (double v in x) { double s0 = v + k * s1 - s2; s2 = s1; s1 = s0; }
            double mag = s1 * s1 + s2 * s2 - k * s1 * s2;
            if (mag > best) { best = mag; bestF = f; }
        }
        return bestF;
    }

    [Fact]
    public void LengthIsEndOfLastNotePlusTail()
    {
        var s = OneNote(0, 60, 0.25, 0.75); // ends at 1.0 s
        var a = BuiltInSynth.Render(s);
        Assert.Equal(2, a.Channels);
        Assert.Equal(44100, a.SampleRate);
        Assert.Equal((int)Math.Ceiling(3.0 * 44100), a.FrameCount);
        Assert.Equal(a.FrameCount, BuiltInSynth.FrameCount(s));

        var o = new SynthOptions { SampleRate = 22050, TailSeconds = 0.5 };
        Assert.Equal((int)Math.Ceiling(1.5 * 22050), BuiltInSynth.Render(s, o).FrameCount);
    }

    [Fact]
    public void LengthFollowsTheTempoMap()
    {
        var s = OneNote(0, 60, 0, 0);
        s.Tracks[0].Notes.Clear();
        s.Tracks[0].Notes.Add(new Note(0, 4 * Tpq, 60, 90)); // 4 quarters
        s.Tempos.Add(TempoChange.FromBpm(0, 120));
        s.Tempos.Add(TempoChange.FromBpm(2 * Tpq, 60));      // 2 quarters at 0.5 s, then 2 at 1 s = 3 s
        var a = BuiltInSynth.Render(s, new SynthOptions { TailSeconds = 1 });
        Assert.Equal(3.0, s.TicksToSeconds(s.EndTick), 9);
        Assert.Equal((int)Math.Ceiling(4.0 * 44100), a.FrameCount);
    }

    [Fact]
    public void EmptyScoreRendersTheTailOfSilence()
    {
        var a = BuiltInSynth.Render(new Score());
        Assert.Equal(2 * 44100, a.FrameCount);
        Assert.All(a.Samples, v => Assert.Equal(0f, v));
        var none = BuiltInSynth.Render(new Score(), new SynthOptions { TailSeconds = 0 });
        Assert.Equal(0, none.FrameCount);
    }

    [Fact]
    public void NoteRegionIsAudibleAndSilenceComesBeforeTheFirstNote()
    {
        var a = BuiltInSynth.Render(OneNote(0, 60, 0.5, 1.0));
        int first = (int)(0.5 * 44100);
        for (int i = 0; i < 2 * first; i++) Assert.Equal(0f, a.Samples[i]);
        Assert.True(Rms(a, 0.5, 1.5) > 0.02, $"rms {Rms(a, 0.5, 1.5)}");
        Assert.True(Rms(a, 2.5, 3.5) < Rms(a, 0.5, 1.5) / 10); // it decays in the tail
        Assert.Equal(0f, a.Samples[^1]);                       // and fades to zero at the very end
    }

    [Fact]
    public void DenseLoudScoreNeverClips()
    {
        var s = new Score(Tpq);
        for (int p = 0; p < 128; p += 8)
        {
            var t = new Track { Program = p, Channel = p / 8 % 16 };
            t.Controls.Add(new ControlChange(0, 7, 127));
            for (int k = 0; k < 8; k++)
                for (int pitch = 24; pitch < 100; pitch += 5)
                    t.Notes.Add(new Note(k * Tpq / 2, Tpq, pitch, 127));
            s.Tracks.Add(t);
        }
        var drums = new Track { IsDrum = true, Channel = 9 };
        for (int k = 0; k < 16; k++) foreach (int key in new[] { 36, 38, 42, 49 }) drums.Notes.Add(new Note(k * Tpq / 4, 60, key, 127));
        s.Tracks.Add(drums);
        var a = BuiltInSynth.Render(s, new SynthOptions { MasterGain = 4, ReverbWet = 1 });
        float ceiling = (float)Math.Pow(10, -1 / 20.0);
        Assert.True(a.Peak() <= ceiling + 1e-6f, $"peak {a.Peak()}");
        Assert.True(a.Peak() > 0.5f);
        var ms = new MemoryStream();
        WavWriter.Write(ms, a, WavFormat.Pcm16);
        var pcm = WavReader.Read(ms.ToArray());
        Assert.DoesNotContain(pcm.Samples, v => Math.Abs(v) >= 32767f / 32768f);
    }

    [Theory]
    [InlineData(19, 69)]  // rock organ
    [InlineData(73, 72)]  // flute
    [InlineData(0, 60)]   // piano
    [InlineData(48, 57)]  // strings
    [InlineData(24, 64)]  // nylon guitar (plucked string)
    [InlineData(81, 69)]  // saw lead
    [InlineData(56, 60)]  // trumpet
    [InlineData(68, 67)]  // oboe (reed)
    public void FundamentalIsAtTheNotesPitch(int program, int pitch)
    {
        double expected = 440 * Math.Pow(2, (pitch - 69) / 12.0);
        var a = BuiltInSynth.Render(OneNote(program, pitch, 0, 1.5), Dry());
        double f = PeakFrequency(a, 0.3, 0.8, expected * 0.7, expected * 1.4);
        Assert.True(Math.Abs(f - expected) / expected < 0.012, $"program {program}: peak {f} Hz, expected {expected:F1} Hz");
    }

    [Fact]
    public void PitchBendRaisesThePitchByUpToTwoSemitones()
    {
        var s = OneNote(19, 69, 0, 1.5);
        s.Tracks[0].PitchBends.Add(new PitchBend(0, 8191));
        var a = BuiltInSynth.Render(s, Dry());
        double f = PeakFrequency(a, 0.3, 0.8, 400, 560);
        Assert.True(Math.Abs(f - 493.9) < 5, $"peak {f}");
    }

    [Fact]
    public void RpnZeroSetsThePitchBendRange()
    {
        var s = OneNote(19, 57, 0, 1.5); // A3, 220 Hz
        var c = s.Tracks[0].Controls;
        c.Add(new ControlChange(0, 101, 0)); c.Add(new ControlChange(0, 100, 0)); c.Add(new ControlChange(0, 6, 12));
        s.Tracks[0].PitchBends.Add(new PitchBend(0, 8191));
        var a = BuiltInSynth.Render(s, Dry());
        double f = PeakFrequency(a, 0.3, 0.8, 300, 600);
        Assert.True(Math.Abs(f - 440) < 5, $"peak {f}");
    }

    [Fact]
    public void WavOfARenderedScoreHasThePredictedLength()
    {
        var s = OneNote(0, 60, 0, 1.25); // ends at 1.25 s
        var o = new SynthOptions { SampleRate = 48000, TailSeconds = 1.5 };
        long frames = (long)Math.Ceiling(2.75 * 48000);
        var path = Path.Combine(Path.GetTempPath(), "cadenza-render-" + Guid.NewGuid().ToString("N") + ".wav");
        try
        {
            WavWriter.Write(path, BuiltInSynth.Render(s, o));
            Assert.Equal(44 + frames * 4, new FileInfo(path).Length);
            var back = WavReader.Read(path);
            Assert.Equal(frames, back.FrameCount);
            Assert.Equal(48000, back.SampleRate);
            Assert.Equal(2, back.Channels);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SustainPedalKeepsReleasedNotesSounding()
    {
        var plain = OneNote(0, 60, 0, 0.3);
        var pedal = OneNote(0, 60, 0, 0.3);
        pedal.Tracks[0].Controls.Add(new ControlChange(Ticks(0.1), 64, 127));
        pedal.Tracks[0].Controls.Add(new ControlChange(Ticks(1.8), 64, 0));
        var a = BuiltInSynth.Render(plain, Dry());
        var b = BuiltInSynth.Render(pedal, Dry());
        double off = Rms(a, 0.8, 1.6), on = Rms(b, 0.8, 1.6);
        Assert.True(on > 10 * off + 1e-6, $"pedal {on} vs none {off}");
        Assert.True(Rms(b, 2.6, 3.0) < on / 10, "the pedal's release ends the note");
    }

    [Fact]
    public void PanMovesEnergyBetweenChannels()
    {
        var left = OneNote(19, 60, 0, 1);
        left.Tracks[0].Controls.Add(new ControlChange(0, 10, 0));
        var right = OneNote(19, 60, 0, 1);
        right.Tracks[0].Controls.Add(new ControlChange(0, 10, 127));
        var l = BuiltInSynth.Render(left, Dry());
        var r = BuiltInSynth.Render(right, Dry());
        Assert.True(Rms(l, 0.1, 0.9, 0) > 10 * Rms(l, 0.1, 0.9, 1) + 1e-6);
        Assert.True(Rms(r, 0.1, 0.9, 1) > 10 * Rms(r, 0.1, 0.9, 0) + 1e-6);
        var centre = BuiltInSynth.Render(OneNote(19, 60, 0, 1), Dry());
        Assert.Equal(Rms(centre, 0.1, 0.9, 0), Rms(centre, 0.1, 0.9, 1), 6);
    }

    [Fact]
    public void VelocityVolumeAndExpressionChangeLoudness()
    {
        double soft = Rms(BuiltInSynth.Render(OneNote(0, 60, 0, 1, velocity: 30), Dry()), 0, 1);
        double loud = Rms(BuiltInSynth.Render(OneNote(0, 60, 0, 1, velocity: 120), Dry()), 0, 1);
        Assert.True(loud > 2 * soft, $"loud {loud} soft {soft}");

        var quiet = OneNote(19, 60, 0, 1);
        quiet.Tracks[0].Controls.Add(new ControlChange(0, 7, 40));
        var expr = OneNote(19, 60, 0, 1);
        expr.Tracks[0].Controls.Add(new ControlChange(0, 11, 40));
        double normal = Rms(BuiltInSynth.Render(OneNote(19, 60, 0, 1), Dry()), 0.1, 0.9);
        Assert.True(Rms(BuiltInSynth.Render(quiet, Dry()), 0.1, 0.9) < normal / 3);
        Assert.True(Rms(BuiltInSynth.Render(expr, Dry()), 0.1, 0.9) < normal / 3);
    }

    [Fact]
    public void SoftPedalPlaysQuieter()
    {
        var soft = OneNote(0, 60, 0.1, 1);
        soft.Tracks[0].Controls.Add(new ControlChange(0, 67, 127));
        double normal = Rms(BuiltInSynth.Render(OneNote(0, 60, 0.1, 1), Dry()), 0.1, 1);
        double quiet = Rms(BuiltInSynth.Render(soft, Dry()), 0.1, 1);
        Assert.True(quiet < 0.8 * normal, $"soft {quiet} normal {normal}");
    }

    [Fact]
    public void VelocityChangesBrightness()
    {
        // Share of energy above 2 kHz relative to the whole, for a soft and a hard piano note.
        static double Brightness(AudioBuffer a)
        {
            double hp = 0, all = 0, prev = 0;
            for (int f = 0; f < (int)(0.3 * a.SampleRate); f++)
            {
                double x = a.Samples[2 * f];
                hp += (x - prev) * (x - prev); all += x * x; prev = x;
            }
            return hp / all;
        }
        double soft = Brightness(BuiltInSynth.Render(OneNote(0, 48, 0, 1, velocity: 25), Dry()));
        double hard = Brightness(BuiltInSynth.Render(OneNote(0, 48, 0, 1, velocity: 127), Dry()));
        Assert.True(hard > 1.2 * soft, $"hard {hard} soft {soft}");
    }

    [Theory]
    [InlineData(36)]
    [InlineData(38)]
    [InlineData(42)]
    [InlineData(46)]
    [InlineData(49)]
    [InlineData(39)]
    public void DrumKeysMakeSound(int key)
    {
        var a = BuiltInSynth.Render(OneNote(0, key, 0.1, 0.1, 110, drum: true), Dry());
        Assert.True(Rms(a, 0.1, 0.3) > 0.005, $"key {key}: rms {Rms(a, 0.1, 0.3)}");
        Assert.Equal(0f, a.Samples[10]);
    }

    [Fact]
    public void KickIsLowAndHiHatIsHigh()
    {
        var kick = BuiltInSynth.Render(OneNote(0, 36, 0, 0.1, 110, drum: true), Dry());
        var hat = BuiltInSynth.Render(OneNote(0, 42, 0, 0.1, 110, drum: true), Dry());
        Assert.True(PeakFrequency(kick, 0, 0.2, 20, 400) < 160);
        Assert.True(PeakFrequency(hat, 0, 0.05, 100, 15000) > 4000);
    }

    [Fact]
    public void ChannelTenIsTheDrumKitEvenWithoutIsDrum()
    {
        var asFlag = BuiltInSynth.Render(OneNote(0, 42, 0, 0.1, 110, drum: true), Dry());
        var byChannel = BuiltInSynth.Render(OneNote(0, 42, 0, 0.1, 110, drum: false, channel: 9), Dry());
        Assert.Equal(asFlag.Samples, byChannel.Samples);
    }

    [Fact]
    public void EveryDrumKeyAndEveryProgramRenders()
    {
        var s = new Score(Tpq);
        var drums = new Track { IsDrum = true, Channel = 9 };
        for (int k = 0; k < 128; k++) drums.Notes.Add(new Note(k * 40, 100, k, 100));
        s.Tracks.Add(drums);
        var a = BuiltInSynth.Render(s, new SynthOptions { SampleRate = 22050, TailSeconds = 0.5 });
        Assert.All(a.Samples, v => Assert.True(float.IsFinite(v)));
        Assert.True(Rms(a, 0, a.DurationSeconds) > 1e-3);

        for (int p = 0; p < 128; p++)
        {
            var one = BuiltInSynth.Render(OneNote(p, p % 2 == 0 ? 60 : 40, 0, 0.4, 100), new SynthOptions { SampleRate = 22050, TailSeconds = 0.3 });
            Assert.All(one.Samples, v => Assert.True(float.IsFinite(v)));
            Assert.True(Rms(one, 0, 0.4) > 1e-3, $"program {p} is silent: {Rms(one, 0, 0.4)}");
        }
    }

    [Fact]
    public void EachMainFamilyHasItsOwnTimbre()
    {
        // Representative programs of the twelve main GM families, one second of C4 each, described by three numbers:
        // attack (early / middle loudness), decay (late / middle loudness) and brightness (first-difference energy share).
        int[] programs = { 0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88 };
        var features = new List<double[]>();
        foreach (int p in programs)
        {
            var a = BuiltInSynth.Render(OneNote(p, 60, 0, 1.0), Dry());
            double early = Rms(a, 0, 0.03), mid = Rms(a, 0.2, 0.4), late = Rms(a, 0.8, 1.0);
            double hp = 0, all = 0;
            for (int f = (int)(0.2 * a.SampleRate); f < (int)(0.4 * a.SampleRate); f++)
            {
                double x = a.Samples[2 * f], d = x - a.Samples[2 * f - 2];
                hp += d * d; all += x * x;
            }
            features.Add(new[] { early / mid, late / mid, hp / all });
        }
        for (int i = 0; i < programs.Length; i++)
            for (int j = i + 1; j < programs.Length; j++)
            {
                bool differ = false;
                for (int k = 0; k < 3; k++)
                {
                    double x = features[i][k], y = features[j][k];
                    if (Math.Abs(x - y) > 0.15 * Math.Max(Math.Abs(x), Math.Abs(y))) differ = true;
                }
                Assert.True(differ, $"programs {programs[i]} and {programs[j]} sound alike: "
                    + string.Join(" / ", features[i].Select(v => v.ToString("F3"))) + " vs " + string.Join(" / ", features[j].Select(v => v.ToString("F3"))));
            }
    }

    [Fact]
    public void ExtremePitchesAndRatesDoNotBreak()
    {
        foreach (int rate in new[] { 8000, 96000 })
            foreach (int pitch in new[] { 0, 127 })
                foreach (int program in new[] { 0, 9, 24, 40, 80, 122 })
                {
                    var a = BuiltInSynth.Render(OneNote(program, pitch, 0, 0.2), new SynthOptions { SampleRate = rate, TailSeconds = 0.2 });
                    Assert.All(a.Samples, v => Assert.True(float.IsFinite(v) && Math.Abs(v) <= 1));
                }
    }

    [Fact]
    public void PolyphonyIsBoundedByVoiceStealing()
    {
        var s = new Score(Tpq);
        var t = new Track { Program = 0 };
        t.Controls.Add(new ControlChange(0, 64, 127));
        for (int i = 0; i < 2000; i++) t.Notes.Add(new Note(i * 5, 2000, 21 + i % 88, 100));
        s.Tracks.Add(t);
        var a = BuiltInSynth.Render(s, new SynthOptions { MaxPolyphony = 16 });
        Assert.All(a.Samples, v => Assert.True(float.IsFinite(v)));
        Assert.True(a.Peak() <= 0.8913f);
    }

    [Fact]
    public void RenderIsDeterministicOnAnyNumberOfThreads()
    {
        var s = new Score(Tpq);
        var t = new Track { Program = 24 };
        var d = new Track { IsDrum = true, Channel = 9 };
        for (int i = 0; i < 40; i++)
        {
            t.Notes.Add(new Note(i * 120, 200, 40 + i % 24, 60 + i));
            d.Notes.Add(new Note(i * 120, 60, i % 2 == 0 ? 42 : 38, 100));
        }
        s.Tracks.Add(t); s.Tracks.Add(d);
        var a = BuiltInSynth.Render(s);
        var b = BuiltInSynth.Render(s);
        var c = BuiltInSynth.Render(s, new SynthOptions { Parallel = false });
        Assert.Equal(a.Samples, b.Samples);
        Assert.Equal(a.Samples, c.Samples);
    }

    [Fact]
    public void ReverbAddsATail()
    {
        var dry = BuiltInSynth.Render(OneNote(13, 72, 0, 0.1), Dry());
        var wet = BuiltInSynth.Render(OneNote(13, 72, 0, 0.1), new SynthOptions { ReverbWet = 0.5 });
        Assert.True(Rms(wet, 1.0, 1.5) > 3 * Rms(dry, 1.0, 1.5) + 1e-6);
    }

    [Fact]
    public void ReverbSendFollowsController91()
    {
        static Score WithSend(int value)
        {
            var s = OneNote(13, 72, 0, 0.1);
            if (value >= 0) s.Tracks[0].Controls.Add(new ControlChange(0, 91, value));
            return s;
        }
        var o = new SynthOptions { ReverbWet = 0.5 };
        double none = Rms(BuiltInSynth.Render(WithSend(0), o), 1.0, 1.5);
        double normal = Rms(BuiltInSynth.Render(WithSend(-1), o), 1.0, 1.5);
        double explicitDefault = Rms(BuiltInSynth.Render(WithSend(40), o), 1.0, 1.5);
        double full = Rms(BuiltInSynth.Render(WithSend(127), o), 1.0, 1.5);
        Assert.True(normal > 3 * none + 1e-6, $"send 0: {none}, default: {normal}");
        Assert.Equal(normal, explicitDefault, 9);
        Assert.True(full > 2 * normal, $"send 127: {full}, default: {normal}");
    }

    [Fact]
    public void ProgressGoesFromZeroToOne()
    {
        var seen = new List<double>();
        var progress = new SyncProgress(seen.Add);
        BuiltInSynth.Render(OneNote(0, 60, 0, 1), null, progress);
        Assert.NotEmpty(seen);
        Assert.Equal(1.0, seen[^1], 9);
        for (int i = 1; i < seen.Count; i++) Assert.True(seen[i] >= seen[i - 1]);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        var s = OneNote(0, 60, 0, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => BuiltInSynth.Render(s, new SynthOptions { SampleRate = 100 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => BuiltInSynth.Render(s, new SynthOptions { ReverbWet = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => BuiltInSynth.Render(s, new SynthOptions { TailSeconds = double.NaN }));
        Assert.Throws<ArgumentNullException>(() => BuiltInSynth.Render(null!));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => BuiltInSynth.Render(s, null, null, cts.Token));
    }

    [Fact]
    public void FamiliesFollowTheGeneralMidiGroups()
    {
        Assert.Equal(InstrumentFamily.Piano, BuiltInSynth.FamilyOf(0, false));
        Assert.Equal(InstrumentFamily.Organ, BuiltInSynth.FamilyOf(19, false));
        Assert.Equal(InstrumentFamily.SynthPad, BuiltInSynth.FamilyOf(89, false));
        Assert.Equal(InstrumentFamily.SoundEffects, BuiltInSynth.FamilyOf(127, false));
        Assert.Equal(InstrumentFamily.Drums, BuiltInSynth.FamilyOf(0, true));
    }

    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
