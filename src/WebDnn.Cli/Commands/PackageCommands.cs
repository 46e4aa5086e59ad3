using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Tooling;
using WebDnn.Tooling.Browser;
using WebDnn.Tooling.Oracle;
using WebDnn.Tooling.Packages;

namespace WebDnn.Cli.Commands;

/// <summary>`webdnn compile`, `webdnn run` and `webdnn serve`.</summary>
public static class PackageCommands
{
    public static Command Compile(CliIO io)
    {
        var model = new Argument<string>("model") { Description = "An ONNX model file (.onnx or .onnx.gz)" };
        var output = new Option<string>("--output", "-o") { Description = "The package folder to write", Required = true };
        var backends = new Option<string>("--backends") { Description = $"Backends to generate kernels for (available: {string.Join(",", BackendRegistry.Names)}; default: all)", DefaultValueFactory = _ => string.Join(",", BackendRegistry.Names) };
        var shape = new Option<string[]>("--shape") { Description = "Fix a symbolic input shape: NAME=d0,d1,... (repeatable)" };
        var level = new Option<string>("--level", "-O") { Description = "Optimization pipeline: O0, O1 or O2", DefaultValueFactory = _ => "O2" };
        var weights = new Option<string>("--weights") { Description = "Weight encoding (fp32 only for now)", DefaultValueFactory = _ => "fp32" };
        var pack = new Option<bool>("--pack") { Description = "Write one packed file (a tar of the package, for load(arrayBuffer)) at -o instead of a folder" };
        var cmd = new Command("compile", "Compile an ONNX model into a model package for the browser") { model, output, backends, shape, level, weights, pack };
        cmd.SetAction(r =>
        {
            if (r.GetValue(weights) != "fp32")
            {
                throw new UsageException($"--weights {r.GetValue(weights)}: only fp32 is implemented so far");
            }
            var list = ParseBackends(r.GetValue(backends)!);
            var settings = new CompileSettings { Level = r.GetValue(level)!, Shapes = ModelFiles.ParseShapes(r.GetValue(shape)), Progress = io.Progress, Backends = list };
            var compiled = ModelCompiler.Compile(r.GetValue(model)!, settings);
            string dir = r.GetValue(output)!;
            if (r.GetValue(pack))
            {
                var packed = PackedPackage.Write(compiled.Program!, dir, list, io.Progress);
                io.Out.WriteLine($"wrote {dir}: a packed package ({new FileInfo(dir).Length} bytes, {packed.Shards.Count} weight shard(s)); load it with load(await (await fetch(url)).arrayBuffer())");
                return ExitCodes.Success;
            }
            var manifest = PackageWriter.Write(compiled.Program!, dir, list, io.Progress);
            RuntimeAssets.CopyRuntimeTo(dir);
            var ci = CultureInfo.InvariantCulture;
            io.Out.WriteLine(string.Create(ci, $"wrote {dir}: {manifest.Shards.Count} weight shard(s) ({manifest.Shards.Sum(s => s.ByteLength) / 1048576.0:0.0} MiB); ") +
                string.Join("; ", manifest.Backends.Select(kv => string.Create(ci, $"{kv.Key}: {kv.Value.Kernels.Count} kernels, arena {kv.Value.ArenaBytes / 1048576.0:0.0} MiB"))));
            io.Out.WriteLine($"try it: webdnn run {dir} --backend {list[0]}   or   webdnn serve {dir}");
            return ExitCodes.Success;
        });
        return cmd;
    }

    public static string[] ParseBackends(string text)
    {
        var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var b in list)
        {
            if (!PackageWriter.SupportedBackends.Contains(b))
            {
                throw new UsageException(b is "wasm" or "webgpu" or "webgl"
                    ? $"the '{b}' backend is not implemented yet; available: {string.Join(", ", PackageWriter.SupportedBackends)}"
                    : $"unknown backend '{b}'; available: {string.Join(", ", PackageWriter.SupportedBackends)}");
            }
        }
        return list.Length > 0 ? list : throw new UsageException("--backends is empty");
    }

    public static Command Run(CliIO io)
    {
        var dir = new Argument<string>("package") { Description = "A package folder written by `webdnn compile`" };
        var backend = new Option<string>("--backend") { Description = "The backend to run on", DefaultValueFactory = _ => "js" };
        var input = new Option<string[]>("--input") { Description = "NAME=FILE.npy (repeatable); missing inputs get seeded random values" };
        var runs = new Option<int>("--runs") { Description = "Timed runs after the first", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print a JSON document" };
        var save = new Option<string?>("--save") { Description = "Folder to write each output as NAME.npy" };
        var cmd = new Command("run", "Run a model package in headless Chromium and print outputs and timings") { dir, backend, input, runs, json, save };
        cmd.SetAction(async (r, ct) =>
        {
            string path = r.GetValue(dir)!;
            if (!File.Exists(Path.Combine(path, "model.json")))
            {
                throw new UsageException($"'{path}' is not a model package (no model.json); create one with `webdnn compile MODEL.onnx -o {path}`");
            }
            var manifest = PackageWriter.ReadManifest(path);
            var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var spec in r.GetValue(input) ?? [])
            {
                int eq = spec.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new UsageException($"--input '{spec}': expected NAME=FILE.npy");
                }
                given[spec[..eq]] = Npy.Read(spec[(eq + 1)..]);
            }
            foreach (var name in given.Keys.Where(n => manifest.Inputs.All(i => i.Name != n)))
            {
                throw new UsageException($"--input {name}: the model has no such input; its inputs are {string.Join(", ", manifest.Inputs.Select(i => i.Name))}");
            }
            foreach (var i in manifest.Inputs.Where(i => !given.ContainsKey(i.Name)))
            {
                given[i.Name] = SeededInputs.Create(new InputSpec(i.Name, DataTypes.FromShortName(i.Dtype), [.. i.Shape]), 42);
            }
            int n = Math.Max(0, r.GetValue(runs));
            var result = await BrowserPackageRunner.RunAsync(path, given, r.GetValue(backend)!, n, io.Progress, ct).ConfigureAwait(false);
            if (r.GetValue(save) is { } saveDir)
            {
                Directory.CreateDirectory(saveDir);
                foreach (var (name, t) in result.Outputs)
                {
                    Npy.Write(Path.Combine(saveDir, SafeFileName(name) + ".npy"), t);
                }
            }
            if (r.GetValue(json))
            {
                var doc = new JsonObject
                {
                    ["backend"] = result.Backend,
                    ["loadMs"] = result.LoadMs,
                    ["runMs"] = new JsonArray(result.RunMs.Select(x => (JsonNode)x).ToArray()),
                    ["medianMs"] = result.RunMs.Count > 0 ? result.MedianMs : null,
                    ["outputs"] = new JsonObject(result.Outputs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Summary(kv.Value)))),
                };
                io.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                io.Out.WriteLine($"backend {result.Backend}; load (fetch + compile + first run) {result.LoadMs:0.0} ms");
                if (result.RunMs.Count > 0)
                {
                    io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.RunMs.Count} run(s): median {result.MedianMs:0.0} ms, min {result.RunMs.Min():0.0} ms, max {result.RunMs.Max():0.0} ms"));
                }
                foreach (var (name, t) in result.Outputs)
                {
                    var s = Summary(t);
                    io.Out.WriteLine($"{name}: {t.DataType.ShortName()}[{string.Join(",", t.Shape)}] min {s["min"]} max {s["max"]} mean {s["mean"]} first [{string.Join(", ", s["first"]!.AsArray())}]");
                }
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static string SafeFileName(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_'));

    private static JsonObject Summary(Tensor t)
    {
        var v = t.DataType == DataType.String ? [] : t.ToDoubles();
        return new JsonObject
        {
            ["dtype"] = t.DataType.ShortName(),
            ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
            ["min"] = v.Length > 0 ? Math.Round(v.Min(), 6) : null,
            ["max"] = v.Length > 0 ? Math.Round(v.Max(), 6) : null,
            ["mean"] = v.Length > 0 ? Math.Round(v.Average(), 6) : null,
            ["first"] = new JsonArray(v.Take(5).Select(x => (JsonNode)Math.Round(x, 6)).ToArray()),
        };
    }

    public static Command Serve(CliIO io)
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
