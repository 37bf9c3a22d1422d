namespace Cadenza.Audio.Synth;

/// <summary>Noise filter shape of a drum sound.</summary>
internal enum NoiseShape : byte { None, LowPass, BandPass, HighPass }

/// <summary>
/// One synthesized drum sound: a pitched sine that sweeps exponentially from <see cref="ToneStart"/> to
/// <see cref="ToneEnd"/> Hz with its own exponential decay, an optional second sine (metallic / cowbell pairs), and
/// filtered white noise with its own decay; <see cref="Bursts"/> re-triggers the noise (hand clap).
/// Decays are time constants in seconds.
/// </summary>
internal readonly record struct DrumSound(
    float ToneStart, float ToneEnd, float Sweep, float ToneDecay, float ToneLevel,
    NoiseShape Noise, float NoiseFreq, float NoiseK, float NoiseDecay, float NoiseLevel,
    float Tone2 = 0, int Bursts = 0, float Pan = 0, int ChokeGroup = 0, float Gain = 1f);

/// <summary>The General MIDI percussion map (keys 35-81) rendered with <see cref="DrumSound"/>s; other keys get a generic hit.</summary>
internal static class DrumKit
{
    private static readonly DrumSound[] Map = Build();

    /// <summary>The sound for a drum key (any int; keys outside 0-127 are clamped).</summary>
    public static ref readonly DrumSound For(int key) => ref Map[Math.Clamp(key, 0, 127)];

    private static DrumSound Kick(float start, float end) => new(start, end, 0.03f, 0.22f, 1.0f, NoiseShape.LowPass, 3000, 1.4f, 0.004f, 0.35f, Gain: 1.3f);
    private static DrumSound Snare(float tone, float noiseFreq, float decay) => new(tone * 1.4f, tone, 0.015f, 0.07f, 0.55f, NoiseShape.BandPass, noiseFreq, 0.7f, decay, 1.0f, Gain: 0.95f);
    private static DrumSound Tom(float f, float pan) => new(f * 1.6f, f, 0.05f, 0.25f, 1.0f, NoiseShape.LowPass, 2500, 1.4f, 0.01f, 0.2f, Pan: pan, Gain: 0.9f);
    private static DrumSound Hat(float decay, float level, int choke = 1) => new(0, 0, 0, 0, 0, NoiseShape.HighPass, 7500, 1.2f, decay, level, Tone2: 0, Pan: 0.25f, ChokeGroup: choke, Gain: 0.55f);
    private static DrumSound Cymbal(float freq, float decay, float level, float pan, float bell = 0) => new(bell, bell, 1f, decay * 0.6f, bell > 0 ? 0.25f : 0, NoiseShape.HighPass, freq, 1.0f, decay, level, Pan: pan, Gain: 0.45f);
    private static DrumSound Hand(float f, float decay, float pan) => new(f * 1.25f, f, 0.02f, decay, 1.0f, NoiseShape.BandPass, f * 4, 1.0f, 0.008f, 0.25f, Pan: pan, Gain: 0.7f);
    private static DrumSound Wood(float f, float decay, float pan) => new(f, f, 1f, decay, 1.0f, NoiseShape.BandPass, f * 1.5f, 0.6f, 0.004f, 0.4f, Pan: pan, Gain: 0.6f);
    private static DrumSound Shaker(float freq, float decay, float pan) => new(0, 0, 0, 0, 0, NoiseShape.HighPass, freq, 1.2f, decay, 0.8f, Pan: pan, Gain: 0.45f);

    private static DrumSound[] Build()
    {
        var m = new DrumSound[128];
        for (int k = 0; k < 128; k++)
        {
            // Generic percussive hit: a short sine at the key's pitch plus a band of noise around it.
            float f = 440f * MathF.Pow(2, (k - 69) / 12f);
            m[k] = new DrumSound(f * 1.3f, f, 0.02f, 0.08f, 0.8f, NoiseShape.BandPass, Math.Clamp(f * 3, 200, 12000), 0.8f, 0.03f, 0.5f, Gain: 0.6f);
        }
        m[27] = new DrumSound(0, 0, 0, 0, 0, NoiseShape.HighPass, 9000, 1, 0.02f, 0.7f, Gain: 0.5f);           // high Q
        m[28] = new DrumSound(1200, 900, 0.01f, 0.03f, 0.5f, NoiseShape.BandPass, 3000, 0.7f, 0.04f, 1, Gain: 0.5f); // slap
        m[31] = new DrumSound(2000, 2000, 1, 0.01f, 0.4f, NoiseShape.BandPass, 4000, 0.5f, 0.008f, 1, Gain: 0.6f); // sticks
        m[33] = new DrumSound(1800, 1800, 1, 0.006f, 0.8f, NoiseShape.HighPass, 5000, 1, 0.004f, 0.5f, Gain: 0.5f); // metronome click
        m[34] = new DrumSound(2637, 2637, 1, 0.3f, 0.8f, NoiseShape.None, 0, 1, 0.01f, 0, Tone2: 3951, Gain: 0.4f); // metronome bell
        m[35] = Kick(120, 45);
        m[36] = Kick(150, 50);
        m[37] = new DrumSound(1700, 1500, 0.005f, 0.012f, 0.6f, NoiseShape.BandPass, 2500, 0.6f, 0.02f, 0.9f, Gain: 0.8f);  // side stick / rimshot
        m[38] = Snare(185, 1800, 0.13f);
        m[39] = new DrumSound(0, 0, 0, 0, 0, NoiseShape.BandPass, 1200, 0.8f, 0.05f, 1.0f, Bursts: 3, Pan: -0.1f, Gain: 1.0f); // hand clap
        m[40] = Snare(205, 2400, 0.16f);
        m[41] = Tom(70, -0.5f); m[43] = Tom(85, -0.35f); m[45] = Tom(100, -0.2f);
        m[47] = Tom(120, 0f); m[48] = Tom(140, 0.2f); m[50] = Tom(165, 0.35f);
        m[42] = Hat(0.03f, 0.9f);                 // closed hi-hat
        m[44] = Hat(0.045f, 0.7f);                // pedal hi-hat
        m[46] = Hat(0.35f, 0.85f, 2);             // open hi-hat (choked by 42 / 44)
        m[49] = Cymbal(5000, 1.1f, 0.9f, -0.3f);  // crash 1
        m[57] = Cymbal(5500, 1.0f, 0.9f, 0.3f);   // crash 2
        m[51] = Cymbal(6500, 0.7f, 0.5f, 0.3f, 3200);   // ride 1
        m[59] = Cymbal(6000, 0.7f, 0.5f, 0.35f, 3000);  // ride 2
        m[53] = Cymbal(7000, 0.5f, 0.3f, 0.3f, 2400);   // ride bell
        m[52] = Cymbal(4000, 0.8f, 0.9f, -0.35f);       // chinese
        m[55] = Cymbal(6500, 0.45f, 0.8f, -0.2f);       // splash
        m[54] = new DrumSound(0, 0, 0, 0, 0, NoiseShape.HighPass, 8000, 0.8f, 0.08f, 0.9f, Bursts: 2, Pan: 0.4f, Gain: 0.45f); // tambourine
        m[56] = new DrumSound(540, 540, 1, 0.09f, 0.8f, NoiseShape.BandPass, 800, 0.4f, 0.02f, 0.3f, Tone2: 800, Pan: 0.3f, Gain: 0.5f); // cowbell
        m[58] = new DrumSound(0, 0, 0, 0, 0, NoiseShape.BandPass, 3000, 0.3f, 0.4f, 0.8f, Bursts: 6, Gain: 0.4f); // vibraslap
        m[60] = Hand(400, 0.06f, 0.3f); m[61] = Hand(300, 0.08f, 0.2f);             // bongos
        m[62] = Hand(320, 0.05f, -0.2f); m[63] = Hand(260, 0.14f, -0.25f); m[64] = Hand(200, 0.16f, -0.3f); // congas
        m[65] = Hand(500, 0.1f, 0.35f); m[66] = Hand(380, 0.12f, 0.3f);             // timbales
        m[67] = Wood(1050, 0.12f, 0.4f); m[68] = Wood(800, 0.12f, 0.4f);            // agogo
        m[69] = Shaker(6000, 0.05f, 0.35f); m[70] = Shaker(7000, 0.035f, -0.35f);   // cabasa, maracas
        m[71] = new DrumSound(2500, 2500, 1, 0.06f, 0.7f, NoiseShape.None, 0, 1, 0.01f, 0, Gain: 0.4f);  // short whistle
        m[72] = new DrumSound(2300, 2300, 1, 0.25f, 0.7f, NoiseShape.None, 0, 1, 0.01f, 0, Gain: 0.4f);  // long whistle
        m[73] = new DrumSound(0, 0, 0, 0, 0, NoiseShape.BandPass, 3500, 0.5f, 0.03f, 0.8f, Bursts: 3, Gain: 0.5f); // short guiro
        m[74] = new DrumSound(0, 0, 0, 0, 0, NoiseShape.BandPass, 3500, 0.5f, 0.03f, 0.8f, Bursts: 6, Gain: 0.5f); // long guiro
        m[75] = Wood(2500, 0.03f, 0.2f);                                             // claves
        m[76] = Wood(1300, 0.04f, 0.3f); m[77] = Wood(950, 0.045f, 0.3f);            // wood blocks
        m[78] = new DrumSound(600, 900, 0.05f, 0.1f, 0.7f, NoiseShape.None, 0, 1, 0.01f, 0, Gain: 0.5f); // mute cuica
        m[79] = new DrumSound(900, 450, 0.08f, 0.14f, 0.7f, NoiseShape.None, 0, 1, 0.01f, 0, Gain: 0.5f); // open cuica
        m[80] = new DrumSound(5000, 5000, 1, 0.12f, 0.5f, NoiseShape.HighPass, 9000, 1, 0.01f, 0.1f, Tone2: 7400, Pan: 0.4f, ChokeGroup: 3, Gain: 0.35f); // mute triangle
        m[81] = new DrumSound(5000, 5000, 1, 0.9f, 0.5f, NoiseShape.HighPass, 9000, 1, 0.01f, 0.1f, Tone2: 7400, Pan: 0.4f, ChokeGroup: 4, Gain: 0.35f);  // open triangle
        m[82] = Shaker(5000, 0.06f, 0.3f);  // shaker
        m[83] = new DrumSound(0, 0, 0, 0, 0, NoiseShape.HighPass, 9000, 0.6f, 0.15f, 0.6f, Bursts: 4, Gain: 0.35f); // jingle bell
        return m;
    }

    /// <summary>Choke rule: closed and pedal hi-hat (group 1) silence the open hi-hat (group 2); mute triangle (3) the open one (4).</summary>
    public static int Chokes(int group) => group switch { 1 => 2, 3 => 4, _ => 0 };
}
