using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Cadenza.Music;
using Cadenza.Music.Midi;
using Cadenza.Tokens;
using Xunit.Abstractions;

namespace Cadenza.Corpus.Tests;

/// <summary>
/// MIDI -> Score -> REMI+ tokens -> Score -> MIDI bytes -> Score over the shared corpora: every in-range note must
/// come back, compared as a multiset of (program, drum, pitch, quantized onset, quantized duration, velocity bin)
/// computed by <see cref="RemiTokenizer.ExpectedRoundTrip"/>. Unreadable test_midi files are listed, not failures.
/// </summary>
public class RemiRoundTripTests(ITestOutputHelper output)
{
    private static readonly string[] Folders = ["pop909", "piano_midi_de", "nottingham/midi", "wjazzd_solos", "groove_rock", "test_midi", "edge-cases"];

    private sealed class FolderStats
    {
        public int Files, Read, Unreadable, Rejected, Failed, Tokens;
        public long Notes, InRange, Mismatches, DecodeErrors, Repaired;
        public readonly ConcurrentBag<string> Problems = new();
    }

    [Fact]
    public void EveryInRangeNoteSurvivesTheTokenRoundTrip()
    {
        var tok = new RemiTokenizer();
        var report = new StringBuilder();
        var sw = Stopwatch.StartNew();
        long totalMismatches = 0, totalFailures = 0;
        foreach (var folder in Folders)
        {
            var dir = SharedData.Path(folder.Split('/'));
            Assert.True(Directory.Exists(dir), $"missing corpus folder {dir}");
            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".mid", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".midi", StringComparison.OrdinalIgnoreCase)
                         || f.EndsWith(".rmi", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".kar", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => f, StringComparer.Ordinal).ToArray();
            var st = new FolderStats { Files = files.Length };
            bool lenient = folder is "test_midi" or "edge-cases"; // damaged files on purpose: unreadable / rejected ones are listed
            Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, f => Check(tok, dir, f, st, lenient));
            report.AppendLine($"{folder}: {st.Files} files, {st.Read} read, {st.Unreadable} unreadable, {st.Rejected} rejected by the tokenizer, " +
                              $"{st.Failed} failed; {st.Notes} notes, {st.InRange} in range, {st.Tokens} tokens, {st.DecodeErrors} decode errors, {st.Mismatches} mismatches, " +
                              $"{st.Repaired} overlapping same-pitch notes re-paired by MIDI");
            foreach (var p in st.Problems.OrderBy(p => p, StringComparer.Ordinal).Take(40)) report.AppendLine("  " + p);
            totalMismatches += st.Mismatches + st.DecodeErrors;
            totalFailures += st.Failed;
        }
        report.AppendLine($"total: {totalMismatches} mismatches, {totalFailures} failed files, {sw.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(report.ToString());
        Assert.True(totalMismatches == 0 && totalFailures == 0, report.ToString());
    }

    [Fact]
    public void TimeSignatureChangesEdgeCaseRestoresTheMapAndBars()
    {
        var tok = new RemiTokenizer();
        var source = MidiFile.Read(SharedData.Path("edge-cases", "time_signature_changes.mid")).Score;
        var seq = tok.Encode(source);
        Assert.Equal(6, seq.ToTokens().Count(t => t == "Bar_None"));
        var decoded = tok.Decode(seq.Ids);
        Assert.Equal(0, decoded.ErrorCount);
        Assert.Equal(new[] { (0L, 5, 8), (2400L, 8, 8), (4320L, 5, 8), (4920L, 3, 4) },
            decoded.Score.TimeSignatures.Select(t => (t.Tick * 480 / decoded.Score.TicksPerQuarter, t.Numerator, t.Denominator)));
        Assert.Equal(new long[] { 0, 1200, 2400, 4320, 4920, 6360 }, decoded.Score.BarStarts(6360 * decoded.Score.TicksPerQuarter / 480).Select(b => b * 480 / decoded.Score.TicksPerQuarter));
        Assert.Equal(new long[] { 0, 480, 1200, 2400, 4320, 4920, 6360 }, decoded.Score.Tracks.Single().Notes.Select(n => n.Onset * 480 / decoded.Score.TicksPerQuarter));
    }

    [Fact]
    public void EdgeCasesAreBoundedAndKeepDrumKeys()
    {
        var tok = new RemiTokenizer();
        var huge = MidiFile.Read(SharedData.Path("edge-cases", "vlq_max_delta.mid")).Score;
        var e = Assert.Throws<TokenizationException>(() => tok.Encode(huge));
        Assert.Equal("too-many-bars", e.Reason);

        var empty = MidiFile.Read(SharedData.Path("edge-cases", "zero_tracks.mid")).Score;
        Assert.Equal("BOS EOS", tok.Encode(empty).ToString());

        var ports = MidiFile.Read(SharedData.Path("edge-cases", "multiport_drums.mid")).Score;
        var back = tok.Decode(tok.Encode(ports).Ids).Score;
        Assert.Equal(new[] { 36, 38 }, back.Tracks.Where(t => t.IsDrum).SelectMany(t => t.Notes).Select(n => n.Pitch).Order());
        Assert.Equal(new[] { 60, 64 }, back.Tracks.Where(t => !t.IsDrum).SelectMany(t => t.Notes).Select(n => n.Pitch).Order());
    }

    private readonly record struct NoteKey(int Program, bool Drum, int Pitch, long Onset, long Duration, int Velocity);

    private static List<NoteKey> Keys(Score score, int ticksPerQuarter)
    {
        var keys = new List<NoteKey>(score.NoteCount);
        int tpq = score.TicksPerQuarter;
        foreach (var t in score.Tracks)
            foreach (var n in t.Notes)
                keys.Add(new(RemiTokenizer.ProgramOf(t), t.IsDrum, n.Pitch, n.Onset * ticksPerQuarter / tpq, n.Duration * ticksPerQuarter / tpq, n.Velocity));
        return keys;
    }

    /// <summary>
    /// Multiset difference of two note lists (the number of notes in one and not the other). Where the notes of one
    /// (program, drum, pitch) differ only in which end belongs to which onset (same onsets with velocities, same end
    /// ticks), they are counted in <paramref name="repaired"/> instead.
    /// </summary>
    private static long Compare(List<NoteKey> expected, List<NoteKey> actual, out string? first, out long repaired)
    {
        var counts = new Dictionary<NoteKey, int>();
        foreach (var k in expected) counts[k] = counts.GetValueOrDefault(k) + 1;
        foreach (var k in actual) counts[k] = counts.GetValueOrDefault(k) - 1;
        first = null;
        repaired = 0;
        var groups = new Dictionary<(int, bool, int), List<(NoteKey key, int count)>>();
        foreach (var (k, c) in counts)
            if (c != 0)
            {
                var g = (k.Program, k.Drum, k.Pitch);
                if (!groups.TryGetValue(g, out var list)) groups[g] = list = new();
                list.Add((k, c));
            }
        long mism = 0;
        foreach (var (g, list) in groups)
        {
            var starts = new Dictionary<(long, int), int>();
            var ends = new Dictionary<long, int>();
            long diff = 0;
            foreach (var (k, c) in list)
            {
                starts[(k.Onset, k.Velocity)] = starts.GetValueOrDefault((k.Onset, k.Velocity)) + c;
                ends[k.Onset + k.Duration] = ends.GetValueOrDefault(k.Onset + k.Duration) + c;
                diff += Math.Abs(c);
            }
            if (starts.Values.All(v => v == 0) && ends.Values.All(v => v == 0)) { repaired += diff / 2; continue; }
            mism += diff;
            var (fk, fc) = list[0];
            first ??= $"{(fc > 0 ? "missing" : "extra")} {fk}";
        }
        return mism;
    }

    private static void Check(RemiTokenizer tok, string root, string path, FolderStats st, bool lenient)
    {
        string name = Path.GetRelativePath(root, path);
        Score source;
        try { source = MidiFile.Read(path).Score; }
        catch (Exception e) when (e is MusicFormatException or IOException)
        {
            Interlocked.Increment(ref st.Unreadable);
            if (!lenient) Interlocked.Increment(ref st.Failed);
            st.Problems.Add($"{name}: unreadable{(lenient ? "" : " (FAILURE)")}: {e.Message}");
            return;
        }
        Interlocked.Increment(ref st.Read);
        try
        {
            TokenSequence seq;
            try { seq = tok.Encode(source); }
            catch (TokenizationException e)
            {
                Interlocked.Increment(ref st.Rejected);
                if (!lenient) Interlocked.Increment(ref st.Failed);
                st.Problems.Add($"{name}: rejected by the tokenizer{(lenient ? "" : " (FAILURE)")}: {e.Message}");
                return;
            }
            Interlocked.Add(ref st.Tokens, seq.Count);
            var decoded = tok.Decode(seq.Ids);
            if (decoded.ErrorCount > 0)
            {
                Interlocked.Add(ref st.DecodeErrors, decoded.ErrorCount);
                st.Problems.Add($"{name}: {decoded.ErrorCount} decode errors, first: {decoded.Errors.FirstOrDefault()}");
            }
            var again = MidiFile.Read(MidiFile.ToBytes(decoded.Score), name + " (rewritten)").Score;

            // the notes the decoder must give back
            var expected = new List<NoteKey>();
            long notes = 0;
            foreach (var t in source.Tracks)
                foreach (var n in t.Notes)
                {
                    notes++;
                    if (tok.ExpectedRoundTrip(source, t, n) is { } e)
                        expected.Add(new(RemiTokenizer.ProgramOf(t), t.IsDrum, e.Pitch, e.Onset, e.Duration, e.Velocity));
                }
            Interlocked.Add(ref st.Notes, notes);
            Interlocked.Add(ref st.InRange, expected.Count);

            // tokens -> Score: exactly the expected notes
            long mism = Compare(expected, Keys(decoded.Score, tok.Config.DecodeTicksPerQuarter), out string? first, out _);
            if (mism > 0)
            {
                Interlocked.Add(ref st.Mismatches, mism);
                st.Problems.Add($"{name}: {mism} notes differ after decoding, e.g. {first}");
                return;
            }
            // Score -> MIDI -> Score: exactly the same notes. (Overlapping notes of one pitch whose ends would swap under
            // first-in first-out pairing are written to separate track chunks by the writer; "swapped" counts any
            // that still swapped, and they are mismatches too.)
            mism = Compare(expected, Keys(again, tok.Config.DecodeTicksPerQuarter), out first, out long repaired);
            Interlocked.Add(ref st.Repaired, repaired);
            mism += 2 * repaired;
            first ??= repaired > 0 ? "notes of one pitch with swapped ends" : null;
            if (mism > 0)
            {
                Interlocked.Add(ref st.Mismatches, mism);
                st.Problems.Add($"{name}: {mism} notes differ after writing and re-reading MIDI, e.g. {first}");
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref st.Failed);
            st.Problems.Add($"{name}: FAILURE {e.GetType().Name}: {e.Message}");
        }
    }
}
