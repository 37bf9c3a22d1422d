using System.Text;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;
using Xunit.Abstractions;

namespace Cadenza.Corpus.Tests;

/// <summary>
/// The ABC reader and writer against real files: every tune of the Nottingham and Ryan's Mammoth collections, the abcMIDI
/// and abcm2ps test files, the ABC edge cases from disk, writer round trips, and the Nottingham melodies against the
/// upstream MIDI renderings.
/// </summary>
public partial class AbcCorpusTests(ITestOutputHelper output)
{
    private static IEnumerable<string> Files(params string[] dir) =>
        Directory.GetFiles(SharedData.Path(dir), "*.abc", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    [Theory]
    [InlineData("nottingham", 935)]
    [InlineData("ryans_mammoth", 942)]
    public void EveryTuneParses(string collection, int expectedTunes)
    {
        int tunes = 0, notes = 0, warned = 0;
        var failures = new List<string>();
        foreach (var f in Files(collection, "abc"))
        {
            var r = AbcFile.Read(f);
            tunes += r.Tunes.Count;
            failures.AddRange(r.Errors.Select(e => e.Message));
            foreach (var t in r.Tunes)
            {
                notes += t.Score.NoteCount;
                if (t.Warnings.Count > 0) warned++;
                if (t.Score.NoteCount == 0) failures.Add($"{Path.GetFileName(f)} X:{t.ReferenceNumber}: no notes");
            }
        }
        output.WriteLine($"{collection}: {tunes} tunes, {notes} notes, {warned} tunes with warnings, {failures.Count} failures");
        foreach (var x in failures) output.WriteLine("  " + x);
        Assert.Empty(failures);
        Assert.Equal(expectedTunes, tunes);
    }

    [Fact]
    public void TestSuiteFilesParseOrFailClearly()
    {
        int files = 0, tunes = 0, errors = 0;
        foreach (var f in Files("test_abc"))
        {
            files++;
            AbcParseResult r = AbcFile.Read(f);
            tunes += r.Tunes.Count;
            errors += r.Errors.Count;
            foreach (var e in r.Errors)
            {
                output.WriteLine(e.Message);
                Assert.Equal(Path.GetFileName(f), e.SourceName);
                Assert.Matches(@"tune X:.*line \d+", e.Message);
            }
            if (r.Tunes.Count + r.Errors.Count == 0) Assert.Contains("no tune (X: field) found", r.Warnings); // e.g. a file of formatting definitions
        }
        output.WriteLine($"test_abc: {files} files, {tunes} tunes read, {errors} tunes rejected");
        Assert.Equal(20, files);
    }

    [Fact]
    public void EdgeCaseFilesFromDisk()
    {
        var latin = AbcFile.Read(SharedData.Path("edge-cases", "latin1_charset.abc")).Tunes.Single();
        Assert.Equal(["Danse de l'\u00C9t\u00E9", "Bourr\u00E9e \u00E0 trois"], latin.Titles);
        Assert.Equal(11, latin.Score.Texts.Count(t => t.Kind == TextKind.Lyric));

        var cjk = AbcFile.Read(SharedData.Path("edge-cases", "utf8_cjk_title.abc")).Tunes.Single();
        Assert.Equal(9, Encoding.UTF8.GetByteCount(cjk.Score.Title!));
        Assert.Equal(12, Encoding.UTF8.GetByteCount(cjk.Score.Composer!));
        Assert.Equal(12, cjk.Score.NoteCount);
        // ABC -> MIDI -> ABC keeps the text and the 12 notes
        var back = MidiFile.Read(MidiFile.ToBytes(cjk.Score), "cjk.mid").Score;
        Assert.Equal(cjk.Score.Title, back.Title);
        Assert.Equal(cjk.Score.Tracks[0].Notes.Select(n => (n.Onset, n.Duration, n.Pitch)),
            back.Tracks.SelectMany(t => t.Notes).OrderBy(n => n.Onset).Select(n => (n.Onset, n.Duration, n.Pitch)));

        var multi = AbcFile.Read(SharedData.Path("edge-cases", "multi_tune_file.abc"));
        Assert.Equal(["1", "", "3", "4"], multi.Tunes.Select(t => t.ReferenceNumber));

        foreach (var f in Files("edge-cases"))
        {
            var r = AbcFile.Read(f);
            Assert.Empty(r.Errors);
            Assert.All(r.Tunes, t => Assert.True(t.Score.NoteCount > 0, $"{f} X:{t.ReferenceNumber}"));
        }
    }

    [Fact]
    public void WriterRoundTripKeepsEveryNottinghamMelodyNote()
    {
        int tunes = 0;
        var failures = new List<string>();
        foreach (var f in Files("nottingham", "abc"))
            foreach (var t in AbcFile.Read(f).Tunes)
            {
                tunes++;
                string text = AbcWriter.Write(t.Score, new AbcWriteOptions { TrackIndex = 0 });
                var again = AbcFile.Parse(text, "rewritten.abc");
                var a = t.Score.Tracks[0].Notes.Select(n => (n.Onset, n.Duration, n.Pitch));
                var b = again.Tunes.SingleOrDefault()?.Score.Tracks[0].Notes.Select(n => (n.Onset, n.Duration, n.Pitch));
                if (b == null || !a.SequenceEqual(b)) failures.Add($"{Path.GetFileName(f)} X:{t.ReferenceNumber}");
            }
        output.WriteLine($"writer round trip: {tunes - failures.Count}/{tunes} tunes identical");
        foreach (var x in failures) output.WriteLine("  " + x);
        Assert.Empty(failures);
    }

    /// <summary>
    /// Our voices against the abcMIDI test suite's golden abc2midi listings (480 ticks per quarter): for each golden track with
    /// melodic notes, the share of its note-ons (pitch, onset to 10 ticks, both shifted to the first note) that one of our
    /// tracks has. Reported for all files; asserted complete for the tunes that use no abc2midi playback styles (swing of
    /// R:Hornpipe, %%MIDI transpose, microtonal bends, played grace notes).
    /// </summary>
    [Fact]
    public void AbcMidiGoldenListings()
    {
        // file -> how many of its golden note tracks (the voices, before abc2midi's accompaniment tracks) must match fully
        var mustMatch = new Dictionary<string, int>
        {
            ["araber"] = 1, ["baym_rebin"] = 1, ["boys"] = 1, ["demo"] = 1, ["demo_4"] = 4, ["demo_5"] = 1, ["demo_11"] = 4,
            ["detune"] = 1, ["pmar_demo_5"] = 1,
        };
        int checkedTracks = 0;
        foreach (var g in Directory.GetFiles(SharedData.Path("test_abc", "abcmidi", "golden"), "*.txt").Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileNameWithoutExtension(g)["abc2midi_".Length..];
            string name = id.StartsWith("pmar_", StringComparison.Ordinal) ? id[5..] : id;
            string? x = null;
            int us = name.LastIndexOf('_');
            if (us > 0 && int.TryParse(name[(us + 1)..], out _)) { x = name[(us + 1)..]; name = name[..us]; }
            var r = AbcFile.Read(SharedData.Path("test_abc", "abcmidi", "samples", name + ".abc"));
            var tune = x == null ? r.Tunes[0] : r.Tunes.Single(t => t.ReferenceNumber == x);
            var golden = new List<List<(long T, int P)>>();
            foreach (var line in File.ReadLines(g))
            {
                if (line.StartsWith("Track start", StringComparison.Ordinal)) golden.Add(new());
                var m = System.Text.RegularExpressions.Regex.Match(line, @"^Time=(\d+)\s+Note on, chan=(\d+) pitch=(\d+) vol=(\d+)");
                if (m.Success && m.Groups[4].Value != "0" && m.Groups[2].Value != "10")
                    golden[^1].Add((long.Parse(m.Groups[1].Value), int.Parse(m.Groups[3].Value)));
            }
            var scores = new List<string>();
            int index = 0;
            foreach (var gt in golden.Where(t => t.Count > 0))
            {
                double best = tune.Score.Tracks.Max(t => Share(gt, t.Notes.Select(n => (n.Onset, n.Pitch)).ToList()));
                scores.Add($"{gt.Count} notes {best:P0}");
                if (mustMatch.TryGetValue(id, out int n) && index < n)
                {
                    Assert.True(best == 1.0, $"{id}: golden track {index} of {gt.Count} notes matches only {best:P1}");
                    checkedTracks++;
                }
                index++;
            }
            output.WriteLine($"{id} (X:{tune.ReferenceNumber}, our tracks {string.Join("/", tune.Score.Tracks.Select(t => t.Notes.Count))}): {string.Join("; ", scores)}");
        }
        Assert.Equal(15, checkedTracks);

        static double Share(List<(long T, int P)> g, List<(long T, int P)> mine)
        {
            if (g.Count == 0 || mine.Count == 0) return 0;
            long g0 = g[0].T, m0 = mine[0].T;
            var set = new HashSet<(long, int)>(mine.Select(n => ((n.T - m0 + 4) / 10, n.P)));
            return (double)g.Count(n => set.Contains(((n.T - g0 + 4) / 10, n.P))) / Math.Max(g.Count, mine.Count);
        }
    }
}
