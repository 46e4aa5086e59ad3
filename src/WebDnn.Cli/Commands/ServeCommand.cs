using System.CommandLine;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Tooling.Browser;

namespace WebDnn.Cli.Commands;

/// <summary>
/// `webdnn serve`: a folder on http://127.0.0.1 with COOP/COEP headers, cached as a production server would: content-addressed
/// shards and kernel files immutable, model.json and the rest revalidated by ETag.
/// </summary>
public static class ServeCommand
{
    public static Command Create(CliIO io)
    {
        var dir = new Argument<string>("dir") { Description = "A package (or any) folder to serve" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1", DefaultValueFactory = _ => 8080 };
        var cmd = new Command("serve", "Serve a folder on http://127.0.0.1 with COOP/COEP headers (threads need cross-origin isolation)") { dir, port };
        cmd.SetAction(async (r, ct) =>
        {
            string path = r.GetValue(dir)!;
            if (!Directory.Exists(path))
            {
                throw new UsageException($"'{path}' is not a folder");
            }
            using var server = new StaticServer(path, r.GetValue(port));
            server.Caching = ServerCaching.ContentAddressed;
            if (!File.Exists(Path.Combine(path, RuntimeAssets.RuntimeFile)))
            {
                server.AddFile("/" + RuntimeAssets.RuntimeFile, System.Text.Encoding.UTF8.GetBytes(RuntimeAssets.RuntimeText()), "text/javascript");
            }
            server.Log = line => io.Err.WriteLine(line);
            var uri = server.Start();
            io.Out.WriteLine($"serving {Path.GetFullPath(path)} at {uri} (COOP/COEP on); press Ctrl+C to stop");
            await WaitForCancel(ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>Waits until Ctrl+C (or the token) fires.</summary>
    public static async Task WaitForCancel(CancellationToken ct)
    {
        var done = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            done.TrySetResult();
        };
        using var reg = ct.Register(() => done.TrySetResult());
        await done.Task.ConfigureAwait(false);
    }
}
