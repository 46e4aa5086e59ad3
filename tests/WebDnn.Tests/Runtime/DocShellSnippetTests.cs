using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using Google.Protobuf;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using WebDnn.Tooling;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Runtime;

/// <summary>
/// Every <c>sh</c> snippet of docs/runtime.md, run line by line by bash with the built <c>webdnn</c> (the CLI's apphost in
/// the test output folder) first on the PATH, in a folder that holds stand-in models under the snippets' file names
/// (<c>../shared/models/squeezenet1_1.onnx.gz</c>, <c>mobilenet.onnx</c> with a symbolic <c>batch</c>; input 'input',
/// output 'logits' as in the docs) and <c>img.npy</c>. Each line must exit 0. <c>webdnn serve</c> runs in the background on a
/// free port (instead of the documented 8080, which may be taken), answers one request for a model.json and is stopped.
/// Not run: the <c>python</c> export snippet (it needs PyTorch and torchvision with network access; see the docs).
/// </summary>
[Collection(Browser.BrowserTests.Name)]
public sealed partial class DocShellSnippetTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static IEnumerable<(int Line, string[] Commands)> ShellBlocks()
    {
        var lines = File.ReadAllLines(Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "docs", "runtime.md"));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```sh")
            {
                continue;
            }
            int start = i + 1;
            var commands = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                string command = Comment().Replace(lines[i], "").Trim();
                if (command.Length > 0)
                {
                    commands.Add(command);
                }
            }
            yield return (start, [.. commands]);
        }
    }

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex Comment();

    public static TheoryData<int> Blocks()
    {
        var data = new TheoryData<int>();
        foreach (var (line, _) in ShellBlocks())
        {
            data.Add(line);
        }
        return data;
    }

    [Fact]
    public void The_page_has_shell_snippets_that_compile_run_and_serve()
    {
        var all = ShellBlocks().SelectMany(b => b.Commands).ToList();
        foreach (var verb in new[] { "compile", "run", "serve", "inspect", "verify" })
        {
            Assert.Contains(all, c => c.StartsWith($"webdnn {verb} ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task Shell_snippet_runs(int line)
    {
        var commands = ShellBlocks().Single(b => b.Line == line).Commands;
        string work = Directory.CreateDirectory(_dir.File("work")).FullName;
        WriteStandIns(work);
        foreach (var command in commands)
        {
            Assert.StartsWith("webdnn ", command);
            if (command.StartsWith("webdnn serve ", StringComparison.Ordinal))
            {
                await ServeOnce(work, command, line);
                continue;
            }
            var r = ProcessRunner.Run("bash", ["-c", $"export PATH=\"{AppContext.BaseDirectory}:$PATH\"; {command}"], work, timeoutMs: 600_000);
            Assert.True(r.ExitCode == 0, $"docs/runtime.md line {line}: `{command}`: {r}");
        }
    }

    /// <summary>The stand-ins: logits = Flatten(GlobalAveragePool(input * w)), input f32[1,3,8,8] (squeezenet) or f32[batch,3,8,8] (mobilenet).</summary>
    private static void WriteStandIns(string work)
    {
        byte[] Model(bool symbolic)
        {
            var bytes = new OnnxBuilder()
                .Input("input", 1, symbolic ? -1 : 1, 3, 8, 8)
                .Initializer("w", [1, 3, 1, 1], [0.5f, -1, 2])
                .Node("Mul", ["input", "w"], ["scaled"], "scale")
                .Node("GlobalAveragePool", ["scaled"], ["pooled"], "pool")
                .Node("Flatten", ["pooled"], ["logits"], "flatten")
                .Output("logits", 1, symbolic ? -1 : 1, 3)
                .ToBytes();
            var model = ModelProto.Parser.ParseFrom(bytes);
            foreach (var v in model.Graph.Input.Concat(model.Graph.Output))
            {
                foreach (var d in v.Type.TensorType.Shape.Dim.Where(d => d.DimParam.Length > 0))
                {
                    d.DimParam = "batch";
                }
            }
            return model.ToByteArray();
        }
        string shared = Directory.CreateDirectory(Path.Combine(work, "..", "shared", "models")).FullName;
        using (var gz = new GZipStream(File.Create(Path.Combine(shared, "squeezenet1_1.onnx.gz")), CompressionLevel.Fastest))
        {
            gz.Write(Model(symbolic: false));
        }
        File.WriteAllBytes(Path.Combine(work, "mobilenet.onnx"), Model(symbolic: true));
        Npy.Write(Path.Combine(work, "img.npy"), Tensor.FromFloats([1, 3, 8, 8], Enumerable.Range(0, 192).Select(i => i / 192f).ToArray()));
    }

    /// <summary>Runs a `webdnn serve` line on a free port until it answers for the first model.json under its folder, then stops it.</summary>
    private static async Task ServeOnce(string work, string command, int line)
    {
        int port = StaticServer.FreePort();
        string withPort = Regex.IsMatch(command, @"--port \d+") ? Regex.Replace(command, @"--port \d+", $"--port {port}") : $"{command} --port {port}";
        string folder = Path.Combine(work, command.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
        string manifest = Path.GetRelativePath(folder, Directory.EnumerateFiles(folder, "model.json", SearchOption.AllDirectories).First()).Replace('\\', '/');
        var psi = new ProcessStartInfo("bash", ["-c", $"export PATH=\"{AppContext.BaseDirectory}:$PATH\"; exec {withPort}"])
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var proc = Process.Start(psi)!;
        var stderr = proc.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (status is null && DateTime.UtcNow < deadline && !proc.HasExited)
            {
                try
                {
                    status = (await http.GetAsync($"http://127.0.0.1:{port}/{manifest}")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250);
                }
            }
            Assert.True(status == HttpStatusCode.OK, $"docs/runtime.md line {line}: `{withPort}` did not serve {manifest} (status {status}, exited {proc.HasExited})");
        }
        finally
        {
            if (!proc.HasExited)
            {
                proc.Kill(entireProcessTree: true);
            }
            await proc.WaitForExitAsync();
        }
        _ = await stderr;
    }
}
