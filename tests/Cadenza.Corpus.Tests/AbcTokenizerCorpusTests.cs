using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Tokens;
using Xunit.Abstractions;

namespace Cadenza.Corpus.Tests;

/// <summary>
/// The ABC-text tokenizer over the folk ABC collections: how many tunes it spells, how long their sequences are, and that
/// decoding the tokens gives back every note of the tune's melody (pitch, onset, duration).
/// </summary>
public class AbcTokenizerCorpusTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("nottingham", 0.99)]
    [InlineData("ryans_mammoth", 0.95)]
    public void FolkTunesRoundTripThroughAbcTokens(string collection, double minShare)
    {
        var tok = new AbcTextTokenizer();
        int tunes = 0, encoded = 0, exact = 0;
        long tokens = 0, maxLen = 0;
        var reasons = new Dictionary<string, int>();
        var mismatches = new List<string>();
        var opt = new AbcReadOptions { TicksPerQuarter = tok.Config.DecodeTicksPerQuarter };
        foreach (var f in Directory.GetFiles(SharedData.Path(collection, "abc"), "*.abc", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (var t in AbcFile.Read(f, opt).Tunes)
            {
                tunes++;
                TokenSequence seq;
                try { seq = tok.Encode(t.Score); }
                catch (TokenizationException e)
                {
                    string key = e.Message.Length > 60 ? e.Message[..60] : e.Message;
                    reasons[key] = reasons.GetValueOrDefault(key) + 1;
                    continue;
                }
                encoded++;
                tokens += seq.Count;
                maxLen = Math.Max(maxLen, seq.Count);
                var back = tok.Decode(seq.Ids);
                if (back.ErrorCount > 0)
                {
                    if (mismatches.Count < 20) mismatches.Add($"{Path.GetFileName(f)} X:{t.ReferenceNumber}: {back.ErrorCount} decode errors: {string.Join("; ", back.Errors.Take(3))} in {seq}");
                    continue;
                }
                int melody = AbcWriter.ChooseMelodyTrack(t.Score);
                var a = t.Score.Tracks[melody].Notes.Where(n => n.Duration > 0).Select(n => (n.Onset, n.Pitch, n.Duration)).OrderBy(x => x).ToList();
                var b = back.Score.Tracks.SelectMany(x => x.Notes).Select(n => (n.Onset, n.Pitch, n.Duration)).OrderBy(x => x).ToList();
                if (a.SequenceEqual(b)) exact++;
                else if (mismatches.Count < 20) mismatches.Add($"{Path.GetFileName(f)} X:{t.ReferenceNumber}: {a.Count} notes vs {b.Count} decoded");
            }
        }
        output.WriteLine($"{collection}: {tunes} tunes, {encoded} encoded ({100.0 * encoded / tunes:F1}%), {exact} decode to the same notes; " +
            $"{tokens} tokens, {tokens / Math.Max(1, encoded)} per tune on average, longest {maxLen}");
        foreach (var (k, v) in reasons.OrderByDescending(x => x.Value)) output.WriteLine($"  {v} x {k}");
        foreach (var m in mismatches) output.WriteLine("  mismatch " + m);
        Assert.True(encoded >= minShare * tunes, $"only {encoded} of {tunes} tunes encoded");
        Assert.Equal(encoded, exact);
    }
}
