using System.CommandLine;
using System.Globalization;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Tooling;

namespace WebDnn.Cli.Commands;

/// <summary>`webdnn compile`: an ONNX model to a package for the browser backends.</summary>
public static class CompileCommand
{
    public static Command Create(CliIO io)
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
            string dir = r.GetValue(output)!;
            // Cheap checks before the passes: the destination (here) and the input shapes (in Compile, right after import).
            if (r.GetValue(pack))
            {
                PackedPackage.CheckDestination(dir);
            }
            else
            {
                PackageWriter.CheckDestination(dir);
            }
            var compiled = ModelCompiler.Compile(r.GetValue(model)!, settings);
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
            io.Out.WriteLine(TryItHint(dir, list));
            foreach (var i in compiled.Program!.Inputs.Where(i => i.MaxAbs is not null))
            {
                io.Err.WriteLine($"note: input {Display.Quote(i.Name)} accepts values within ±{i.MaxAbs} only: its integer arithmetic is exact in the 32-bit kernels up to there (docs/compiler.md, \"Integer types\"); the runtime refuses larger values");
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>
    /// The closing hint. It suggests the CPU path (wasm) even when webgpu is listed first: on a machine without a GPU
    /// Chromium's WebGPU is a software adapter (SwiftShader), many times slower than wasm; webgpu is mentioned for GPUs.
    /// </summary>
    public static string TryItHint(string dir, IReadOnlyList<string> backends)
    {
        string cpu = backends.FirstOrDefault(b => b == "wasm") ?? backends.FirstOrDefault(b => b != "webgpu") ?? backends[0];
        string gpu = cpu != "webgpu" && backends.Contains("webgpu") ? " (on a machine with a GPU: --backend webgpu)" : "";
        return $"try it: webdnn run {dir} --backend {cpu}{gpu}   or   webdnn serve {dir}";
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
}
