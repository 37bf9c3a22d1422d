using System.Runtime.CompilerServices;

// The IO tests inject failing streams through AtomicFile.StreamWrapperForTests.
[assembly: InternalsVisibleTo("Cadenza.Engine.Tests")]
