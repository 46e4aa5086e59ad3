using System.CommandLine;

namespace WebDnn.Cli.Commands;

/// <summary>Commands added as their backends land (compile, run, serve, demo, bench).</summary>
public static class ExtraCommands
{
    public static IEnumerable<Command> Create(CliIO io)
    {
        return [PackageCommands.Compile(io), PackageCommands.Run(io), PackageCommands.Serve(io), DemoCommand.Create(io), BenchCommand.Create(io)];
    }
}
