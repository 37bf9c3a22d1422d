using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cadenza.Audio.FluidSynth;

/// <summary>
/// The libfluidsynth entry points Cadenza uses, resolved at run time with <see cref="NativeLibrary"/> into unmanaged
/// function pointers (no <c>DllImport</c>, so a machine without the library loads Cadenza fine). FluidSynth's own log
/// output is redirected into <see cref="LastError"/> instead of stderr (libraries never print).
/// </summary>
internal sealed unsafe class FluidSynthNative
{
    public const int FluidOk = 0, FluidFailed = -1;
    public const int ChannelTypeMelodic = 0, ChannelTypeDrum = 1;

    public readonly delegate* unmanaged<byte*> VersionStr;
    public readonly delegate* unmanaged<nint> NewSettings;
    public readonly delegate* unmanaged<nint, void> DeleteSettings;
    public readonly delegate* unmanaged<nint, byte*, double, int> SettingsSetNum;
    public readonly delegate* unmanaged<nint, byte*, int, int> SettingsSetInt;
    public readonly delegate* unmanaged<nint, nint> NewSynth;
    public readonly delegate* unmanaged<nint, void> DeleteSynth;
    public readonly delegate* unmanaged<nint, byte*, int, int> SfLoad;
    public readonly delegate* unmanaged<nint, int, int, int> SetChannelType;
    public readonly delegate* unmanaged<nint, int, int, int> ProgramChange;
    public readonly delegate* unmanaged<nint, int, int, int, int> NoteOn;
    public readonly delegate* unmanaged<nint, int, int, int> NoteOff;
    public readonly delegate* unmanaged<nint, int, int, int, int> Cc;
    public readonly delegate* unmanaged<nint, int, int, int> PitchBend;
    public readonly delegate* unmanaged<nint, int, void*, int, int, void*, int, int, int> WriteFloat;
    public readonly delegate* unmanaged<nint, int> ActiveVoiceCount;

    /// <summary><c>new_fluid_sequencer2</c>.</summary>
    public readonly delegate* unmanaged<int, nint> NewSequencer2;
    /// <summary><c>delete_fluid_sequencer</c>.</summary>
    public readonly delegate* unmanaged<nint, void> DeleteSequencer;
    /// <summary><c>fluid_sequencer_register_fluidsynth</c>.</summary>
    public readonly delegate* unmanaged<nint, nint, short> SequencerRegisterFluidSynth;
    /// <summary><c>fluid_sequencer_set_time_scale</c>.</summary>
    public readonly delegate* unmanaged<nint, double, void> SequencerSetTimeScale;
    /// <summary><c>fluid_sequencer_get_tick</c>.</summary>
    public readonly delegate* unmanaged<nint, uint> SequencerGetTick;
    /// <summary><c>fluid_sequencer_send_at</c>.</summary>
    public readonly delegate* unmanaged<nint, nint, uint, int, int> SequencerSendAt;
    /// <summary><c>new_fluid_event</c>.</summary>
    public readonly delegate* unmanaged<nint> NewEvent;
    /// <summary><c>delete_fluid_event</c>.</summary>
    public readonly delegate* unmanaged<nint, void> DeleteEvent;
    /// <summary><c>fluid_event_set_source</c>.</summary>
    public readonly delegate* unmanaged<nint, short, void> EventSetSource;
    /// <summary><c>fluid_event_set_dest</c>.</summary>
    public readonly delegate* unmanaged<nint, short, void> EventSetDest;
    /// <summary><c>fluid_event_noteon</c>.</summary>
    public readonly delegate* unmanaged<nint, int, short, short, void> EventNoteOn;
    /// <summary><c>fluid_event_noteoff</c>.</summary>
    public readonly delegate* unmanaged<nint, int, short, void> EventNoteOff;
    /// <summary><c>fluid_event_control_change</c>.</summary>
    public readonly delegate* unmanaged<nint, int, short, int, void> EventControlChange;
    /// <summary><c>fluid_event_pitch_bend</c>.</summary>
    public readonly delegate* unmanaged<nint, int, int, void> EventPitchBend;

    private FluidSynthNative(nint h, string name)
    {
        Handle = h;
        LibraryName = name;
        VersionStr = (delegate* unmanaged<byte*>)Get(h, "fluid_version_str");
        NewSettings = (delegate* unmanaged<nint>)Get(h, "new_fluid_settings");
        DeleteSettings = (delegate* unmanaged<nint, void>)Get(h, "delete_fluid_settings");
        SettingsSetNum = (delegate* unmanaged<nint, byte*, double, int>)Get(h, "fluid_settings_setnum");
        SettingsSetInt = (delegate* unmanaged<nint, byte*, int, int>)Get(h, "fluid_settings_setint");
        NewSynth = (delegate* unmanaged<nint, nint>)Get(h, "new_fluid_synth");
        DeleteSynth = (delegate* unmanaged<nint, void>)Get(h, "delete_fluid_synth");
        SfLoad = (delegate* unmanaged<nint, byte*, int, int>)Get(h, "fluid_synth_sfload");
        SetChannelType = (delegate* unmanaged<nint, int, int, int>)Get(h, "fluid_synth_set_channel_type");
        ProgramChange = (delegate* unmanaged<nint, int, int, int>)Get(h, "fluid_synth_program_change");
        NoteOn = (delegate* unmanaged<nint, int, int, int, int>)Get(h, "fluid_synth_noteon");
        NoteOff = (delegate* unmanaged<nint, int, int, int>)Get(h, "fluid_synth_noteoff");
        Cc = (delegate* unmanaged<nint, int, int, int, int>)Get(h, "fluid_synth_cc");
        PitchBend = (delegate* unmanaged<nint, int, int, int>)Get(h, "fluid_synth_pitch_bend");
        WriteFloat = (delegate* unmanaged<nint, int, void*, int, int, void*, int, int, int>)Get(h, "fluid_synth_write_float");
        ActiveVoiceCount = (delegate* unmanaged<nint, int>)Get(h, "fluid_synth_get_active_voice_count");
        NewSequencer2 = (delegate* unmanaged<int, nint>)Get(h, "new_fluid_sequencer2");
        DeleteSequencer = (delegate* unmanaged<nint, void>)Get(h, "delete_fluid_sequencer");
        SequencerRegisterFluidSynth = (delegate* unmanaged<nint, nint, short>)Get(h, "fluid_sequencer_register_fluidsynth");
        SequencerSetTimeScale = (delegate* unmanaged<nint, double, void>)Get(h, "fluid_sequencer_set_time_scale");
        SequencerGetTick = (delegate* unmanaged<nint, uint>)Get(h, "fluid_sequencer_get_tick");
        SequencerSendAt = (delegate* unmanaged<nint, nint, uint, int, int>)Get(h, "fluid_sequencer_send_at");
        NewEvent = (delegate* unmanaged<nint>)Get(h, "new_fluid_event");
        DeleteEvent = (delegate* unmanaged<nint, void>)Get(h, "delete_fluid_event");
        EventSetSource = (delegate* unmanaged<nint, short, void>)Get(h, "fluid_event_set_source");
        EventSetDest = (delegate* unmanaged<nint, short, void>)Get(h, "fluid_event_set_dest");
        EventNoteOn = (delegate* unmanaged<nint, int, short, short, void>)Get(h, "fluid_event_noteon");
        EventNoteOff = (delegate* unmanaged<nint, int, short, void>)Get(h, "fluid_event_noteoff");
        EventControlChange = (delegate* unmanaged<nint, int, short, int, void>)Get(h, "fluid_event_control_change");
        EventPitchBend = (delegate* unmanaged<nint, int, int, void>)Get(h, "fluid_event_pitch_bend");
        var setLog = (delegate* unmanaged<int, delegate* unmanaged<int, byte*, nint, void>, nint, nint>)Get(h, "fluid_set_log_function");
        for (int level = 0; level <= 4; level++) setLog(level, &OnLog, 0); // FLUID_PANIC .. FLUID_DBG
        Version = Marshal.PtrToStringUTF8((nint)VersionStr()) ?? "?";
    }

    /// <summary>The OS handle of the loaded library.</summary>
    public nint Handle { get; }

    /// <summary>The name or path the library was loaded by.</summary>
    public string LibraryName { get; }

    /// <summary>FluidSynth's version string, e.g. "2.3.1".</summary>
    public string Version { get; }

    [ThreadStatic] private static string? _lastError;

    /// <summary>The last error or panic message FluidSynth logged on this thread (null when none since <see cref="ClearError"/>).</summary>
    public static string? LastError => _lastError;

    /// <summary>Forgets <see cref="LastError"/>.</summary>
    public static void ClearError() => _lastError = null;

    [UnmanagedCallersOnly]
    private static void OnLog(int level, byte* message, nint data)
    {
        if (level <= 1 && message != null) _lastError = Marshal.PtrToStringUTF8((nint)message);
    }

    private static nint Get(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var p) ? p : throw new EntryPointNotFoundException(name);

    /// <summary>
    /// Loads the first of <paramref name="candidates"/> that exists and exports every function Cadenza needs.
    /// Returns null (and why in <paramref name="reason"/>) when none does.
    /// </summary>
    public static FluidSynthNative? TryLoad(IEnumerable<string> candidates, out string reason)
    {
        var tried = new List<string>();
        reason = "";
        foreach (var name in candidates)
        {
            tried.Add(name);
            if (!NativeLibrary.TryLoad(name, out var h)) continue;
            try { return new FluidSynthNative(h, name); }
            catch (EntryPointNotFoundException e)
            {
                reason = $"{name} lacks {e.Message} (FluidSynth 2.x is needed)";
                NativeLibrary.Free(h);
            }
        }
        if (reason.Length == 0) reason = $"libfluidsynth not found (tried {string.Join(", ", tried)})";
        return null;
    }

    /// <summary>A UTF-8, zero-terminated copy of <paramref name="s"/> for a native call.</summary>
    public static byte[] Utf8(string s)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        var b = new byte[n + 1];
        System.Text.Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SetNum(nint settings, string name, double value)
    {
        fixed (byte* p = Utf8(name)) return SettingsSetNum(settings, p, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SetInt(nint settings, string name, int value)
    {
        fixed (byte* p = Utf8(name)) return SettingsSetInt(settings, p, value);
    }
}
