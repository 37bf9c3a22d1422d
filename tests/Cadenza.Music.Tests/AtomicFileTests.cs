using Cadenza.Music;

namespace Cadenza.Music.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cadenza-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WritesWholeFileCreatingTheFolder()
    {
        var path = Path.Combine(_dir, "a", "b", "x.txt");
        AtomicFile.WriteAllText(path, "héllo");
        Assert.Equal("héllo", File.ReadAllText(path));
        Assert.Equal([0x68, 0xC3, 0xA9], File.ReadAllBytes(path)[..3]);   // UTF-8, no byte-order mark
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void FailureInTheMiddleKeepsTheOldFileAndLeavesNoTemporary()
    {
        var path = Path.Combine(_dir, "keep.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([9, 9, 9, 9]);
            throw new InvalidOperationException("stop");
        }));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void AFolderInTheWayIsNamedNotTheTemporaryFile()
    {
        var path = Path.Combine(_dir, "out.mid");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(path, [1]));
        Assert.Equal($"{path}: cannot write the file: a folder of that name is in the way", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void DiskFullIsRecognisedThroughWrapping()
    {
        var enospc = new IOException("No space left on device : '/x/.a.tmp'", 28);
        Assert.True(AtomicFile.IsDiskFull(enospc));
        Assert.True(AtomicFile.IsDiskFull(new IOException("out.wav: cannot write the file (the disk is full)", enospc)));
        Assert.False(AtomicFile.IsDiskFull(new IOException("Permission denied")));
        Assert.False(AtomicFile.IsDiskFull(new InvalidOperationException("No space left on device")));
    }

    [Fact]
    public void ADiskFullErrorFromTheWriterIsReportedAgainstTheTarget()
    {
        // The stream fails the way a full disk does (ENOSPC, with .NET's message naming the temporary file).
        var path = Path.Combine(_dir, "full.wav");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s => throw new IOException("No space left on device : '/tmp/.full.wav.1234.tmp'", 28)));
        Assert.Equal($"{path}: cannot write the file (the disk is full)", e.Message);
        Assert.True(AtomicFile.IsDiskFull(e));
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
