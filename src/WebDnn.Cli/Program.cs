using System.CommandLine;
using WebDnn.Cli.Commands;
using WebDnn.Core;

namespace WebDnn.Cli;

/// <summary>Entry point of the `webdnn` tool: parses the command line and maps every failure to a documented exit code.</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the CLI with explicit writers (tests call this in-process).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("WebDNN for .NET: compile ONNX models into packages that run in the browser (WebGPU, WebAssembly, WebGL, JavaScript).");
        var io = new CliIO(stdout, stderr);
        root.Subcommands.Add(InspectCommand.Create(io));
        root.Subcommands.Add(VerifyCommand.Create(io));
        root.Subcommands.Add(CompileCommand.Create(io));
        root.Subcommands.Add(RunCommand.Create(io));
        root.Subcommands.Add(ServeCommand.Create(io));
        root.Subcommands.Add(DemoCommand.Create(io));
        root.Subcommands.Add(BenchCommand.Create(io));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                stderr.WriteLine($"error: {e.Message}");
            }
            stderr.WriteLine("Run 'webdnn --help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(e, stderr);
        }
    }

    /// <summary>Prints an exception the way users should see it and returns its exit code.</summary>
    public static int Report(Exception e, TextWriter stderr)
    {
        switch (e)
        {
            case WebDnnException w:
                // Messages quote model names; whatever control characters slipped through must not drive the terminal.
                stderr.WriteLine($"error: {Display.EscapeLines(w.Message)}");
                return w.ExitCode;
            case AggregateException { InnerExceptions.Count: 1 } a:
                return Report(a.InnerException!, stderr);
            case OperationCanceledException:
                stderr.WriteLine("cancelled");
                return ExitCodes.Internal;
            case OutOfMemoryException:
                stderr.WriteLine("error: out of memory; the model is too large for this machine");
                return ExitCodes.Internal;
            default:
                stderr.WriteLine($"internal error: {e.GetType().Name}: {Display.EscapeLines(e.Message)}");
                stderr.WriteLine("This is a bug in webdnn; please report it with the model and command line.");
                stderr.WriteLine(e.StackTrace);
                return ExitCodes.Internal;
        }
    }
}

/// <summary>Where commands write. Results go to <see cref="Out"/>, progress and errors to <see cref="Err"/>.</summary>
public sealed record CliIO(TextWriter Out, TextWriter Err)
{
    public IProgress<string> Progress => new SyncProgress(line => Err.WriteLine(line));

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
