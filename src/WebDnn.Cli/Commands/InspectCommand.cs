using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Text;
using WebDnn.Lowering.KernelStage;
using WebDnn.Onnx;
using WebDnn.Ops;
using WebDnn.Tooling;

namespace WebDnn.Cli.Commands;

/// <summary>
/// `webdnn inspect MODEL.onnx [--json] [--backends B,..] [--dump-after PASS]`: inputs/outputs, ops, parameters, FLOPs,
/// unsupported ops, per-pass node counts, and per backend the kernel-level stage's decisions per kernel and its memory plan.
/// </summary>
public static class InspectCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Argument<string>("model") { Description = "An ONNX model file (.onnx or .onnx.gz), or a compiled package folder (sizes per backend)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON document instead of text" };
        var shape = new Option<string[]>("--shape") { Description = "Fix a symbolic input shape: NAME=d0,d1,... (repeatable)", AllowMultipleArgumentsPerToken = false };
        var level = new Option<string>("--level", "-O") { Description = "Optimization pipeline: O0, O1 or O2", DefaultValueFactory = _ => "O2" };
        var backends = new Option<string>("--backends") { Description = $"Backends whose kernel-level decisions to show (default: all: {string.Join(",", BackendRegistry.Names)})" };
        var dumpAfter = new Option<string?>("--dump-after") { Description = "Print the IR after the named pass (a graph pass, 'lower', or a kernel-level pass such as assign-layouts) and stop" };
        var cmd = new Command("inspect", "Show what a model contains and what the compiler does with it") { model, json, shape, level, backends, dumpAfter };
        cmd.SetAction(r =>
        {
            var list = r.GetValue(backends) is { } b ? CompileCommand.ParseBackends(b) : [.. BackendRegistry.Names];
            return Run(io, r.GetValue(model)!, r.GetValue(json), r.GetValue(shape), r.GetValue(level)!, list, r.GetValue(dumpAfter));
        });
        return cmd;
    }

    /// <summary>Every pass name --dump-after accepts, in pipeline order.</summary>
    private static List<string> PassNames(string level) =>
        [.. Passes.Pipelines.ByName.TryGetValue(level.TrimStart('-'), out var make) ? make().Select(p => p.Name).Distinct() : [], "lower",
            .. BackendRegistry.All.SelectMany(b => b.KernelPasses.Select(p => p.Name)).Distinct()];

    private static int DumpAfter(CliIO io, string path, string[]? shapes, string level, IReadOnlyList<string> backends, string pass)
    {
        var names = PassNames(level);
        if (!names.Contains(pass))
        {
            throw new UsageException($"--dump-after {pass}: no such pass; passes: {string.Join(", ", names)}");
        }
        string? dump = null;
        var settings = new CompileSettings
        {
            Level = level,
            Shapes = ModelFiles.ParseShapes(shapes),
            Backends = backends,
            AfterPass = (name, graph) => dump ??= name == pass ? GraphText.Print(graph) : null,
        };
        bool graphPass = Passes.Pipelines.ByName.TryGetValue(level.TrimStart('-'), out var make) && make().Any(p => p.Name == pass);
        var compiled = ModelCompiler.Compile(path, settings with { Lower = !graphPass });
        if (dump is null && pass == "lower")
        {
            dump = KernelProgramText.Print(compiled.Program!);
        }
        if (dump is not null)
        {
            io.Out.Write(dump);
            return ExitCodes.Success;
        }
        foreach (var b in backends.Select(n => BackendRegistry.Find(n)!))
        {
            string? text = null;
            TargetProgram.Run(compiled.Program!, b.Target, b.KernelPasses, afterPass: (name, tp) => text ??= name == pass ? KernelProgramText.Print(tp.Program) : null);
            io.Out.WriteLine($"# {b.Name}: after {pass}");
            io.Out.Write(text ?? $"(the {b.Name} pipeline has no pass {pass})\n");
        }
        return ExitCodes.Success;
    }

    private static int Run(CliIO io, string path, bool json, string[]? shapes, string level, IReadOnlyList<string> backends, string? dumpAfter)
    {
        if (dumpAfter is not null)
        {
            return DumpAfter(io, path, shapes, level, backends, dumpAfter);
        }
        if (InspectPackage.IsPackage(path))
        {
            return InspectPackage.Run(io, path, json);
        }
        var g = OnnxImporter.Load(path);
        // Unknown --shape names are refused up front; symbols (--shape batch=1) become the whole shapes of the inputs with them.
        var resolved = InputShapes.Resolve(g, ModelFiles.ParseShapes(shapes), requireStatic: false);
        // A symbolic dimension without a size is fine for inspect: everything up to lowering is shown, and the note says
        // which --shape gives kernels, FLOPs and memory (lowering needs static shapes).
        string? staticNote = null;
        try
        {
            InputShapes.Resolve(g, ModelFiles.ParseShapes(shapes), requireStatic: true);
        }
        catch (UsageException e)
        {
            staticNote = $"kernels, FLOPs and memory not shown: {e.Message}";
        }
        var imported = g.OpHistogram();
        int importedNodes = g.Nodes.Count;
        var unsupported = OpRegistry.Unsupported(g).ToList();
        var info = new JsonObject
        {
            ["model"] = Path.GetFileName(path),
            ["producer"] = g.Metadata.GetValueOrDefault("producer"),
            ["irVersion"] = g.Metadata.GetValueOrDefault("ir_version"),
            ["opset"] = g.Metadata.GetValueOrDefault("opset"),
            ["inputs"] = new JsonArray(g.Inputs.Select(v => (JsonNode)new JsonObject { ["name"] = v.Name, ["type"] = v.Type?.ToString() }).ToArray()),
            ["outputs"] = new JsonArray(g.Outputs.Select(v => (JsonNode)new JsonObject { ["name"] = v.Name, ["type"] = v.Type?.ToString() }).ToArray()),
            ["nodes"] = importedNodes,
            ["operators"] = Histogram(imported),
            ["unsupported"] = new JsonArray(unsupported.Select(n => (JsonNode)new JsonObject { ["op"] = n.OpType, ["domain"] = n.Domain, ["opset"] = n.Opset, ["node"] = n.Name }).ToArray()),
        };
        long parameters = 0, paramBytes = 0;
        foreach (var v in g.AllValues().Where(v => v.Const is not null).Distinct())
        {
            parameters += v.Const!.Length;
            paramBytes += (long)v.Const.Length * Math.Max(1, v.Const.DataType.ByteSize());
        }
        // Weights stored as Constant nodes (some exporters do this instead of initializers) are parameters too.
        foreach (var a in g.Nodes.Where(n => n.OpType == "Constant").SelectMany(n => n.Attributes.Values))
        {
            var (count, bytes) = a switch
            {
                { T: { } t } => ((long)t.Length, (long)t.Length * Math.Max(1, t.DataType.ByteSize())),
                { Kind: AttributeKind.Floats } => ((long)a.Floats.Length, a.Floats.Length * 4L),
                { Kind: AttributeKind.Ints } => ((long)a.Ints.Length, a.Ints.Length * 8L),
                { Kind: AttributeKind.Float } => (1L, 4L),
                { Kind: AttributeKind.Int } => (1L, 8L),
                _ => (0L, 0L),
            };
            parameters += count;
            paramBytes += bytes;
        }
        info["parameters"] = parameters;
        info["parameterBytes"] = paramBytes;

        string? compileError = null;
        int exit = ExitCodes.Success;
        if (unsupported.Count == 0)
        {
            var passes = new List<PassReport> { new("import", importedNodes, 0) };
            var settings = new CompileSettings { Level = level, Shapes = resolved, Backends = backends };
            try
            {
                ModelCompiler.Optimize(g, settings, passes);
                info["optimizedOperators"] = Histogram(g.OpHistogram());
                if (staticNote is not null)
                {
                    info["note"] = staticNote;
                }
                else
                {
                    var program = Lowering.Lowerer.Lower(g);
                    info["flops"] = program.TotalFlops;
                    info["kernels"] = Histogram(program.Kernels.GroupBy(k => k.Primitive).Select(gr => new KeyValuePair<string, int>(gr.Key, gr.Count())).OrderByDescending(kv => kv.Value).ToList());
                    var targets = new JsonObject();
                    foreach (var b in backends.Select(n => BackendRegistry.Find(n)!))
                    {
                        targets[b.Name] = TargetInfo(program, b);
                    }
                    info["backends"] = targets;
                }
            }
            catch (WebDnnException e)
            {
                compileError = e.Message;
                exit = e.ExitCode;
            }
            info["passes"] = new JsonArray(passes.Select(p => (JsonNode)new JsonObject { ["pass"] = p.Name, ["nodes"] = p.Nodes, ["ms"] = Math.Round(p.Milliseconds, 1) }).ToArray());
        }
        else
        {
            exit = ExitCodes.Unsupported;
        }
        if (compileError is not null)
        {
            info["error"] = compileError;
        }

        if (json)
        {
            io.Out.WriteLine(info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            PrintText(io.Out, info);
        }
        if (unsupported.Count > 0)
        {
            try
            {
                OpRegistry.CheckSupported(g);
            }
            catch (UnsupportedModelException e)
            {
                io.Err.WriteLine($"error: {Display.EscapeLines(e.Message)}");
            }
        }
        else if (compileError is not null)
        {
            io.Err.WriteLine($"error: {Display.EscapeLines(compileError)}");
        }
        else if (staticNote is not null)
        {
            io.Err.WriteLine($"note: {Display.EscapeLines(staticNote)}");
        }
        return exit;
    }

    /// <summary>One backend's kernel-level stage: per kernel its algorithm, layout and weight form; the memory plan; or why it cannot run the model.</summary>
    private static JsonObject TargetInfo(Core.Kernels.KernelProgram program, IBackend b)
    {
        TargetProgram tp;
        try
        {
            tp = PackageWriter.Specialise(program, b);
        }
        catch (UnsupportedModelException e)
        {
            return new JsonObject { ["error"] = e.Message };
        }
        var plan = tp.RequirePlan();
        return new JsonObject
        {
            ["alignment"] = plan.Alignment,
            ["arenaBytes"] = plan.ArenaBytes,
            ["peakActivationBytes"] = plan.PeakActivationBytes,
            ["totalActivationBytes"] = plan.TotalActivationBytes,
            ["weightBytes"] = plan.WeightBytes,
            ["passes"] = new JsonArray(tp.Passes.Select(p => (JsonNode)new JsonObject { ["pass"] = p.Pass, ["kernels"] = p.Kernels, ["ms"] = Math.Round(p.ElapsedMs, 1) }).ToArray()),
            ["kernels"] = new JsonArray(tp.Program.Kernels.Select((k, i) => (JsonNode)new JsonObject
            {
                ["index"] = i,
                ["primitive"] = k.Primitive,
                ["algorithm"] = k.Algorithm,
                ["layout"] = k.Layout.Name(),
                ["weightLayout"] = k.WeightLayout,
                ["flops"] = k.Flops,
                ["origin"] = k.Origin,
            }).ToArray()),
        };
    }

    private static JsonObject Histogram(IEnumerable<KeyValuePair<string, int>> h)
    {
        var o = new JsonObject();
        foreach (var kv in h)
        {
            o[kv.Key] = kv.Value;
        }
        return o;
    }

    private static string Ops(JsonNode? h) => h is JsonObject o ? string.Join(", ", o.Select(kv => $"{kv.Key} {kv.Value}")) : "";

    private static void PrintText(TextWriter w, JsonObject info)
    {
        info = (JsonObject)TerminalText.EscapeStrings(info)!;
        w.WriteLine($"model      {info["model"]}  (producer: {info["producer"]}, IR {info["irVersion"]}, opset {info["opset"]})");
        foreach (var i in info["inputs"]!.AsArray())
        {
            w.WriteLine($"input      {i!["name"]}  {i["type"]}");
        }
        foreach (var o in info["outputs"]!.AsArray())
        {
            w.WriteLine($"output     {o!["name"]}  {o["type"]}");
        }
        long p = info["parameters"]!.GetValue<long>();
        w.WriteLine($"parameters {p:N0} ({info["parameterBytes"]!.GetValue<long>() / 1048576.0:0.0} MiB)");
        if (info["flops"] is { } f)
        {
            w.WriteLine($"FLOPs      {f.GetValue<long>() / 1e9:0.00} G (multiply-adds x2, after optimization)");
        }
        w.WriteLine($"operators  {info["nodes"]} nodes: {Ops(info["operators"])}");
        var unsupported = info["unsupported"]!.AsArray();
        w.WriteLine(unsupported.Count == 0 ? "unsupported none" : $"unsupported {unsupported.Count} node(s): {string.Join(", ", unsupported.Select(n => $"{n!["op"]} (opset {n["opset"]}) '{n["node"]}'"))}");
        if (info["passes"] is JsonArray passes)
        {
            w.WriteLine("passes     node count after each pass:");
            foreach (var s in passes)
            {
                w.WriteLine($"  {s!["pass"],-24} {s["nodes"],6}   {s["ms"]} ms");
            }
        }
        if (info["optimizedOperators"] is { } opt)
        {
            w.WriteLine($"optimized  {Ops(opt)}");
        }
        if (info["kernels"] is { } kh)
        {
            w.WriteLine($"kernels    {Ops(kh)}");
        }
        if (info["backends"] is JsonObject targets)
        {
            foreach (var (name, t) in targets)
            {
                if (t!["error"] is { } err)
                {
                    w.WriteLine($"backend    {name}: cannot run this model: {KernelProgramText.Escape(err.GetValue<string>())}");
                    continue;
                }
                var kernels = t["kernels"]!.AsArray();
                var algos = kernels.GroupBy(k => $"{k!["primitive"]}/{k["algorithm"]}").Select(gr => $"{gr.Key} {gr.Count()}");
                w.WriteLine($"backend    {name}: {kernels.Count} kernels: {string.Join(", ", algos)}");
                double peak = t["peakActivationBytes"]!.GetValue<long>(), total = t["totalActivationBytes"]!.GetValue<long>();
                w.WriteLine($"memory     {name}: arena {t["arenaBytes"]!.GetValue<long>() / 1048576.0:0.00} MiB (aligned to {t["alignment"]} B): peak activations {peak / 1048576.0:0.00} MiB after planning, {total / 1048576.0:0.00} MiB without reuse; weights {t["weightBytes"]!.GetValue<long>() / 1048576.0:0.00} MiB");
                foreach (var k in kernels)
                {
                    string wl = k!["weightLayout"] is { } x ? $" weights {x}" : "";
                    double gf = k["flops"]!.GetValue<long>() / 1e9;
                    w.WriteLine($"  {name} k{k["index"],-4} {k["primitive"],-14} {k["algorithm"],-18} {k["layout"],-5}{wl} {(gf > 0 ? $"{gf,8:0.000} GFLOP" : "")}  {KernelProgramText.Escape(k["origin"]!.GetValue<string>())}");
                }
            }
        }
    }
}
