namespace Ssh.Fuzz;

/// <summary>One fuzz target: the name <c>fuzz/run.sh</c> and the corpus directory use, what it drives, and the
/// exceptions the code under test documents for bad input. Any other exception, a hang, or an allocation out of
/// proportion to the input is a finding.</summary>
/// <param name="Name">The command-line name, also the corpus directory <c>fuzz/corpus/NAME</c>.</param>
/// <param name="Description">One line for <c>Ssh.Fuzz list</c>.</param>
/// <param name="Run">Feeds one input to the code under test.</param>
/// <param name="Expected">The documented exception types (subclasses included).</param>
internal sealed record FuzzTarget(string Name, string Description, Action<byte[]> Run, params Type[] Expected)
{
    /// <summary>The most bytes one input may make the code under test allocate on the calling thread: a fixed
    /// allowance for the work every input does (key objects, exception messages, a pipe's first segments) plus a
    /// multiple of the input. A parser that trusts a length field instead of the bytes it has blows through it.</summary>
    public static long AllocationBudget(int inputLength) => 8L * 1024 * 1024 + 64L * inputLength;

    /// <summary>Whether <paramref name="e"/> is one of the documented exceptions.</summary>
    public bool IsExpected(Exception e) => Expected.Any(t => t.IsInstanceOfType(e));

    /// <summary>Whether this process has run an input yet: the first run also pays for static initialisation, so
    /// its allocations say nothing about the input and are not checked (SharpFuzz runs the first input twice for
    /// the same reason). Lazy state that only some inputs reach is made by <see cref="WarmUp"/> instead.</summary>
    private static bool _warmedUp;

    /// <summary>Makes, before the first input, lazy static state of the code under test that only some inputs
    /// reach (bcrypt's Blowfish computes π's digits once: some 80 MB of big-integer arithmetic), so the input that
    /// happens to reach it first is not charged for it.</summary>
    public Action? WarmUp { get; init; }

    private static bool _prepared;

    /// <summary>Runs <see cref="WarmUp"/> once per process. Call it before SharpFuzz's fork server starts, so its cost
    /// counts against afl-fuzz's start-up timeout, not against the first input's.</summary>
    public unsafe void Prepare()
    {
        if (_prepared) return;
        _prepared = true;
        // Instrumented assemblies (fuzz/.out/bin) record every branch in afl's shared memory, which SharpFuzz maps
        // only once its fork server starts: until then (and in replays, outside afl-fuzz) they get a private map of
        // the same 64 KiB, or the first branch they take writes through a null pointer.
        if (SharpFuzz.Common.Trace.SharedMem is null)
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
        WarmUp?.Invoke();
    }

    /// <summary>Runs one input: documented exceptions are swallowed, anything else propagates (SharpFuzz reports it
    /// to afl-fuzz as a crash), and so does an allocation beyond <see cref="AllocationBudget"/>.</summary>
    public void Execute(byte[] input)
    {
        Prepare();
        if (!_warmedUp)
        {
            _warmedUp = true;
            try
            {
                Run(input);
            }
            catch (Exception)
            {
                // Whatever it does, the checked run below does again.
            }
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            Run(input);
        }
        catch (Exception e) when (IsExpected(e))
        {
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBudget(input.Length))
            throw new AllocationBudgetException(
                $"{Name}: an input of {input.Length} bytes allocated {allocated} bytes (budget {AllocationBudget(input.Length)}).");
    }
}

/// <summary>A finding: the code under test allocated far more than its input justifies (a length field trusted).</summary>
internal sealed class AllocationBudgetException(string message) : Exception(message);
