namespace Cadenza.Audio;

/// <summary>The sixteen General MIDI instrument families (program / 8), plus the drum kit.</summary>
public enum InstrumentFamily
{
    /// <summary>Programs 0-7: struck-string piano (additive struck-string spectrum, decaying), electric pianos (FM), harpsichord (plucked), clavinet (pulse).</summary>
    Piano,
    /// <summary>Programs 8-15: celesta, glockenspiel, music box, vibraphone, marimba, xylophone, bells, dulcimer (two-operator FM, decaying).</summary>
    ChromaticPercussion,
    /// <summary>Programs 16-23: drawbar organ (additive, sustained).</summary>
    Organ,
    /// <summary>Programs 24-31: guitars (Karplus-Strong plucked string).</summary>
    Guitar,
    /// <summary>Programs 32-39: acoustic and electric basses (dark plucked string), synth basses (filtered saw).</summary>
    Bass,
    /// <summary>Programs 40-47: bowed strings (two detuned band-limited saws, low-pass, slow attack, vibrato); pizzicato and harp plucked; timpani FM.</summary>
    Strings,
    /// <summary>Programs 48-55: string ensembles (like strings, wider), choir (formant wavetable), orchestra hit.</summary>
    Ensemble,
    /// <summary>Programs 56-63: brass (band-limited saw with an amplitude-following filter swell).</summary>
    Brass,
    /// <summary>Programs 64-71: reeds (band-limited square / pulse through a low-pass).</summary>
    Reed,
    /// <summary>Programs 72-79: flutes and pipes (nearly pure wavetable plus breath noise, vibrato).</summary>
    Pipe,
    /// <summary>Programs 80-87: synth leads (saw + square, bright).</summary>
    SynthLead,
    /// <summary>Programs 88-95: synth pads (detuned saws, slow attack, long release).</summary>
    SynthPad,
    /// <summary>Programs 96-103: synth effects (rendered as a brighter pad).</summary>
    SynthEffects,
    /// <summary>Programs 104-111: ethnic (plucked string; kalimba FM; bagpipe and shanai as reeds; fiddle as strings).</summary>
    Ethnic,
    /// <summary>Programs 112-119: percussive (short FM mallet tones).</summary>
    Percussive,
    /// <summary>Programs 120-127: sound effects (band-pass filtered noise at the note's pitch).</summary>
    SoundEffects,
    /// <summary>A drum track (channel 10 / <c>IsDrum</c>): synthesized kit mapped by General MIDI key.</summary>
    Drums,
}
