using System.Diagnostics;

namespace WebDnn.Tests.Support;

/// <summary>Exit code and captured output of a child process.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs a command to completion with its output captured (npm, node, tsc in the runtime tests).</summary>
public static class ProcessRunner
{
    public static ProcessResult Run(string file, IEnumerable<string> args, string workingDirectory, int timeoutMs = 180_000)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // NOTE: keep npm off the network and quiet: the tests install only local tarballs.
        psi.Environment["npm_config_update_notifier"] = "false";
        psi.Environment["npm_config_audit"] = "false";
        psi.Environment["npm_config_fund"] = "false";
        using var proc = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        if (!proc.WaitForExit(timeoutMs))
        {
            proc.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs / 1000} s");
        }
        return new ProcessResult(proc.ExitCode, stdout.Result, stderr.Result);
    }
}
