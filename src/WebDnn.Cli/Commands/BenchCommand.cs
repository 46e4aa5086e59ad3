using System.CommandLine;
using WebDnn.Core;
using WebDnn.Tooling;
using WebDnn.Tooling.Bench;

namespace WebDnn.Cli.Commands;

/// <summary>`webdnn bench`: ours next to onnxruntime-web and TensorFlow.js in one headless Chromium page.</summary>
public static class BenchCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Argument<string>("model") { Description = "An ONNX model file (.onnx or .onnx.gz)" };
        var backends = new Option<string>("--backends") { Description = $"Our backends to measure (this build: {string.Join(", ", WebDnn.Backends.Common.BackendRegistry.Names)})", DefaultValueFactory = _ => "js" };
        var vs = new Option<string>("--vs") { Description = "Peers: onnxruntime-web, tfjs (comma-separated; empty for none)", DefaultValueFactory = _ => "onnxruntime-web,tfjs" };
        var runs = new Option<int>("--runs") { Description = "Timed runs per engine (medians reported)", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up runs per engine", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Wasm threads for every engine", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file (view with bench/results.html)" };
        var shape = new Option<string[]>("--shape") { Description = "Fix a symbolic input shape: NAME=d0,d1,... (repeatable)" };
        var engine = new Option<string>("--engine") { Description = "Where the engines run: chromium (headless, here) or node (Node.js + Dawn, e.g. on a GPU machine: prepares --node-dir)", DefaultValueFactory = _ => "chromium" };
        var nodeDir = new Option<string?>("--node-dir") { Description = "--engine node: the folder to prepare (then run its bench-node.mjs where the GPU is)" };
        var assemble = new Option<bool>("--assemble") { Description = "--engine node: read --node-dir/page.json written by bench-node.mjs and report as the Chromium bench does" };
        var cmd = new Command("bench", "Benchmark our package against onnxruntime-web and TensorFlow.js in one headless Chromium page")
        {
            model, backends, vs, runs, warmup, threads, json, shape, engine, nodeDir, assemble,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var progress = new BenchProgress(io.Err);
            var shapes = ModelFiles.ParseShapes(r.GetValue(shape)).ToDictionary(kv => kv.Key, kv => kv.Value.Select(d => (int)d).ToArray(), StringComparer.Ordinal);
            var options = new BenchOptions(r.GetValue(model)!)
            {
                Backends = Split(r.GetValue(backends)!),
                Peers = Split(r.GetValue(vs)!),
                Runs = r.GetValue(runs),
                Warmup = r.GetValue(warmup),
                Threads = r.GetValue(threads),
                JsonPath = r.GetValue(json),
                InputShapes = shapes.Count > 0 ? shapes : null,
            };
            options.Validate();
            if (!File.Exists(options.ModelPath))
            {
                throw new UsageException($"'{options.ModelPath}' does not exist; pass the path of an .onnx (or .onnx.gz) file");
            }
            string where = r.GetValue(engine)!;
            if (where is not ("chromium" or "node"))
            {
                throw new UsageException($"--engine: '{where}' is neither chromium nor node");
            }
            BenchResult result;
            if (where == "node")
            {
                string dir = r.GetValue(nodeDir) ?? throw new UsageException("--engine node needs --node-dir DIR");
                if (!r.GetValue(assemble))
                {
                    string command = await BenchRunner.PrepareNodeAsync(options, dir, progress, ct).ConfigureAwait(false);
                    progress.Done();
                    io.Out.WriteLine($"prepared {dir}; run: {command}");
                    return ExitCodes.Success;
                }
                result = await BenchRunner.AssembleNodeAsync(options, dir, progress, ct).ConfigureAwait(false);
            }
            else
            {
                result = await BenchRunner.RunAsync(options, progress, ct).ConfigureAwait(false);
            }
            progress.Done();
            io.Out.WriteLine(result.ToTable());
            if (options.JsonPath is not null)
            {
                io.Out.WriteLine($"wrote {options.JsonPath}; view it with `webdnn serve bench` → results.html?run=...");
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static string[] Split(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
