using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Tooling;
using WebDnn.Tooling.Oracle;
using WebDnn.Tooling.Packages;

namespace WebDnn.Cli.Commands;

/// <summary>`webdnn run`: a package in headless Chromium, its outputs and timings.</summary>
public static class RunCommand
{
    public static Command Create(CliIO io)
    {
        var dir = new Argument<string>("package") { Description = "A package folder written by `webdnn compile`" };
        var backend = new Option<string>("--backend") { Description = "The backend to run on", DefaultValueFactory = _ => "js" };
        var input = new Option<string[]>("--input") { Description = "NAME=FILE.npy (repeatable); missing inputs get seeded random values" };
        var runs = new Option<int>("--runs") { Description = "Timed runs after the first", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json")
        {
            Description = "Print a JSON document; --json FILE writes it to FILE and prints the text report",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var save = new Option<string?>("--save") { Description = "Folder to write each output as NAME.npy" };
        var profile = new Option<bool>("--profile") { Description = "Time every kernel (median over the timed runs): a table by time with GFLOP/s, totals per primitive and algorithm" };
        var threads = new Option<int>("--threads") { Description = "Wasm threads (wasmThreads)", DefaultValueFactory = _ => 1 };
        var cmd = new Command("run", "Run a model package in headless Chromium and print outputs and timings") { dir, backend, input, runs, json, save, profile, threads };
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
            foreach (var (name, t) in given)
            {
                // Checked here, before a browser starts: a wrong file is a usage error that names what the package expects.
                var io = manifest.Inputs.First(i => i.Name == name);
                if (t.DataType.ShortName() != io.Dtype || !t.Shape.SequenceEqual(io.Shape))
                {
                    throw new UsageException($"--input {name}: the file holds {t.DataType.ShortName()}[{string.Join(",", t.Shape)}], the package expects {io.Dtype}[{string.Join(",", io.Shape)}]");
                }
            }
            foreach (var i in manifest.Inputs.Where(i => !given.ContainsKey(i.Name)))
            {
                given[i.Name] = SeededInputs.Create(new InputSpec(i.Name, DataTypes.FromShortName(i.Dtype), [.. i.Shape]), 42);
            }
            // The runtime refuses values beyond an input's proven-exact bound; say so before starting a browser.
            foreach (var i in manifest.Inputs.Where(i => i.MaxAbs is not null))
            {
                var v = given[i.Name].ToDoubles();
                int bad = Array.FindIndex(v, x => !(Math.Abs(x) <= i.MaxAbs));
                if (bad >= 0)
                {
                    throw new UsageException($"--input {Display.Quote(i.Name)}: element {bad} is {v[bad].ToString(CultureInfo.InvariantCulture)}, outside ±{i.MaxAbs}, "
                        + "the range in which this package's integer arithmetic is exact in its 32-bit kernels (docs/compiler.md, \"Integer types\")");
                }
            }
            int n = Math.Max(0, r.GetValue(runs));
            int nThreads = r.GetValue(threads);
            if (nThreads is < 1 or > 64)
            {
                throw new UsageException("--threads must be from 1 to 64");
            }
            bool profiling = r.GetValue(profile);
            string? jsonFile = r.GetValue(json);
            if (jsonFile is not null && Path.GetDirectoryName(Path.GetFullPath(jsonFile)) is { } jsonDir && !Directory.Exists(jsonDir))
            {
                throw new UsageException($"--json {Display.Quote(jsonFile)}: the folder {Display.Quote(jsonDir)} does not exist");
            }
            var result = await BrowserPackageRunner.RunAsync(path, given, r.GetValue(backend)!, n, io.Progress, profiling, nThreads, ct).ConfigureAwait(false);
            if (r.GetValue(save) is { } saveDir)
            {
                Directory.CreateDirectory(saveDir);
                foreach (var (name, t) in result.Outputs)
                {
                    Npy.Write(Path.Combine(saveDir, SafeFileName(name) + ".npy"), t);
                }
            }
            var profileDoc = profiling ? RunProfile.Build(manifest.Backends[result.Backend], result) : null;
            if (r.GetResult(json) is not null)
            {
                var doc = new JsonObject
                {
                    ["backend"] = result.Backend,
                    ["loadMs"] = result.LoadMs,
                    ["runMs"] = new JsonArray(result.RunMs.Select(x => (JsonNode)x).ToArray()),
                    ["medianMs"] = result.RunMs.Count > 0 ? result.MedianMs : null,
                    ["outputs"] = new JsonObject(result.Outputs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Summary(kv.Value)))),
                };
                if (profileDoc is not null)
                {
                    doc["profile"] = profileDoc;
                }
                string text = doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
                if (jsonFile is null)
                {
                    io.Out.WriteLine(text);
                    return ExitCodes.Success;
                }
                File.WriteAllText(jsonFile, text + "\n");
            }
            PrintText(io.Out, result, profileDoc);
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static void PrintText(TextWriter w, PackageRunResult result, JsonObject? profile)
    {
        w.WriteLine($"backend {result.Backend}; load (fetch + compile + first run) {result.LoadMs:0.0} ms");
        if (result.RunMs.Count > 0)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.RunMs.Count} run(s): median {result.MedianMs:0.0} ms, min {result.RunMs.Min():0.0} ms, max {result.RunMs.Max():0.0} ms"));
        }
        foreach (var (name, t) in result.Outputs)
        {
            var s = Summary(t);
            w.WriteLine($"{Display.Escape(name)}: {t.DataType.ShortName()}[{string.Join(",", t.Shape)}] min {s["min"]} max {s["max"]} mean {s["mean"]} first [{string.Join(", ", s["first"]!.AsArray())}]");
        }
        if (profile is not null)
        {
            RunProfile.Print(w, profile);
        }
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
}
