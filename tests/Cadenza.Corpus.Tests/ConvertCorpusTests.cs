using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;
using Xunit.Abstractions;

namespace Cadenza.Corpus.Tests;

/// <summary>
/// <c>cadenza convert</c> over the Nottingham Music Database books: every tune to MIDI (a folder conversion), the MIDI
/// files back to ABC (a second folder conversion), and every note of every tune counted through both steps.
/// </summary>
public class ConvertCorpusTests(ITestOutputHelper output)
{
    private static readonly object ConsoleGate = new();

    private static (int Code, string Err) Cli(params string[] args)
    {
        lock (ConsoleGate)
        {
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            var o = new StringWriter();
            var e = new StringWriter();
            Console.SetOut(o);
            Console.SetError(e);
            try { return (Cadenza.Cli.Program.Main(args), e.ToString()); }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    private static List<(long Onset, long Duration, int Pitch)> Notes(Score s) =>
        s.Tracks.SelectMany(t => t.Notes).Select(n => (n.Onset, n.Duration, n.Pitch)).OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ToList();

    [Fact]
    public void NottinghamBooksRoundTripThroughMidiAndBack()
    {
        string tmp = Path.Combine(Path.GetTempPath(), "cadenza-convert-corpus-" + Guid.NewGuid().ToString("N"));
        try
        {
            string abcIn = SharedData.Path("nottingham", "abc");
            var toMid = Cli("convert", abcIn, "-o", Path.Combine(tmp, "mid"), "--to", "mid");
            output.WriteLine(toMid.Err.Trim().Split('\n')[^1]);
            Assert.True(toMid.Code == 0, toMid.Err);
            var toAbc = Cli("convert", Path.Combine(tmp, "mid"), "-o", Path.Combine(tmp, "abc"), "--to", "abc");
            Assert.True(toAbc.Code == 0, toAbc.Err);

            int tunes = 0, notes = 0, keptInMidi = 0, keptInAbc = 0;
            var lost = new List<string>();
            foreach (var book in Directory.GetFiles(abcIn, "*.abc").Order(StringComparer.Ordinal))
            {
                string stem = Path.GetFileNameWithoutExtension(book);
                var read = AbcFile.Read(book);
                Assert.Empty(read.Errors);
                foreach (var tune in read.Tunes)
                {
                    tunes++;
                    string name = read.Tunes.Count > 1 ? $"{stem}-{tune.ReferenceNumber}" : stem;
                    var want = Notes(tune.Score);
                    var mid = Notes(MidiFile.Read(Path.Combine(tmp, "mid", name + ".mid")).Score);
                    var back = AbcFile.Read(Path.Combine(tmp, "abc", name + ".abc"));
                    Assert.Empty(back.Errors);
                    var abc = Notes(Assert.Single(back.Tunes).Score);
                    notes += want.Count;
                    keptInMidi += Kept(want, mid);
                    keptInAbc += Kept(want, abc);
                    if (!want.SequenceEqual(abc)) lost.Add($"{name}: {want.Count} notes, {Kept(want, abc)} kept after MIDI -> ABC");
                }
            }
            output.WriteLine($"{tunes} tunes, {notes} notes: {keptInMidi} kept in MIDI, {keptInAbc} kept after MIDI -> ABC");
            foreach (var l in lost.Take(20)) output.WriteLine("  " + l);
            Assert.Equal(935, tunes);
            Assert.Equal(notes, keptInMidi);
            Assert.Empty(lost);
        }
        finally
        {
            try { Directory.Delete(tmp, true); } catch (IOException) { }
        }
    }

    // How many notes of want appear in got (as a multiset).
    private static int Kept(List<(long, long, int)> want, List<(long, long, int)> got)
    {
        var left = got.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        int kept = 0;
        foreach (var n in want)
            if (left.TryGetValue(n, out int c) && c > 0) { left[n] = c - 1; kept++; }
        return kept;
    }
}
