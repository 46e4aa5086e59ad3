using WebDnn.Cli;
using WebDnn.Core;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Fuzz;

/// <summary>How one fuzz case ended.</summary>
internal enum FuzzOutcome
{
    Ok,
    InvalidModel,
    Unsupported,
    Usage,
    InternalError,
    Timeout,
    OverMemory,
}

/// <summary>One case's result: the outcome, the first error line and the bytes allocated on its thread.</summary>
internal sealed record FuzzResult(FuzzOutcome Outcome, string Message, long AllocatedBytes);

/// <summary>
/// Runs mutants in this process through <c>webdnn compile --backends js</c> (import, passes, lowering, package writer),
/// each on its own thread with a time limit and an allocation cap, and classifies the exit.
/// </summary>
internal sealed class FuzzRunner(TimeSpan timeout, long maxAllocatedBytes) : IDisposable
{
    private readonly TempDir _dir = new();
    private int _case;

    public void Dispose() => _dir.Dispose();

    public FuzzResult Run(byte[] model)
    {
        // Each case in a fresh folder: the mutant may name external data next to it (w.bin exists, 16 bytes).
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, $"c{_case++ % 4}"));
        foreach (var f in folder.EnumerateFileSystemInfos())
        {
            if (f is DirectoryInfo d)
            {
                d.Delete(true);
            }
            else
            {
                f.Delete();
            }
        }
        File.WriteAllBytes(Path.Combine(folder.FullName, "w.bin"), new byte[16]);
        var path = Path.Combine(folder.FullName, "m.onnx");
        File.WriteAllBytes(path, model);
        int code = -1;
        long allocated = 0;
        var err = new StringWriter();
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                code = Program.Run(["compile", path, "-o", Path.Combine(folder.FullName, "out"), "--backends", "js"], TextWriter.Null, err);
            }
            catch (OutOfMemoryException)
            {
                code = -2;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        if (!thread.Join(timeout))
        {
            // The thread cannot be stopped; it keeps running, and the run fails anyway.
            return new FuzzResult(FuzzOutcome.Timeout, $"no answer after {timeout.TotalSeconds:0} s", 0);
        }
        var lines = err.ToString().Split('\n');
        string message = lines.FirstOrDefault(l => l.StartsWith("error", StringComparison.Ordinal) || l.StartsWith("internal error", StringComparison.Ordinal)) ?? "";
        if (code == -2 || allocated > maxAllocatedBytes)
        {
            return new FuzzResult(FuzzOutcome.OverMemory, $"allocated {allocated:N0} bytes; {message}", allocated);
        }
        var outcome = code switch
        {
            ExitCodes.Success => FuzzOutcome.Ok,
            ExitCodes.InvalidModel => FuzzOutcome.InvalidModel,
            ExitCodes.Unsupported => FuzzOutcome.Unsupported,
            ExitCodes.Usage => FuzzOutcome.Usage,
            _ => FuzzOutcome.InternalError,
        };
        if (outcome == FuzzOutcome.InternalError)
        {
            // The type and the top frames say where; the full trace is in the error text.
            message = string.Join(" | ", lines.SkipWhile(l => !l.StartsWith("internal error", StringComparison.Ordinal)).Where(l => l.Length > 0).Take(5));
        }
        return new FuzzResult(outcome, message, allocated);
    }
}
