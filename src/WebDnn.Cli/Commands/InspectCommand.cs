using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Onnx;
using WebDnn.Ops;
using WebDnn.Tooling;

namespace WebDnn.Cli.Commands;

/// <summary>`webdnn inspect MODEL.onnx [--json]`: inputs/outputs, ops, parameters, FLOPs, unsupported ops, per-pass node counts, memory.</summary>
public static class InspectCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Argument<string>("model") { Description = "An ONNX model file (.onnx or .onnx.gz)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON document instead of text" };
        var shape = new Option<string[]>("--shape") { Description = "Fix a symbolic input shape: NAME=d0,d1,... (repeatable)", AllowMultipleArgumentsPerToken = false };
        var level = new Option<string>("--level", "-O") { Description = "Optimization pipeline: O0, O1 or O2", DefaultValueFactory = _ => "O2" };
        var cmd = new Command("inspect", "Show what a model contains and what the compiler does with it") { model, json, shape, level };
        cmd.SetAction(r => Run(io, r.GetValue(model)!, r.GetValue(json), r.GetValue(shape), r.GetValue(level)!));
        return cmd;
    }

    private static int Run(CliIO io, string path, bool json, string[]? shapes, string level)
    {
        var g = OnnxImporter.Load(path);
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
        info["parameters"] = parameters;
        info["parameterBytes"] = paramBytes;

        string? compileError = null;
        int exit = ExitCodes.Success;
        if (unsupported.Count == 0)
        {
            var passes = new List<PassReport> { new("import", importedNodes, 0) };
            var settings = new CompileSettings { Level = level, Shapes = ModelFiles.ParseShapes(shapes) };
            try
            {
                ModelCompiler.Optimize(g, settings, passes);
                info["optimizedOperators"] = Histogram(g.OpHistogram());
                var program = Lowering.Lowerer.Lower(g);
                var plan = Lowering.PlanMemory.Run(program);
                info["flops"] = program.TotalFlops;
                info["kernels"] = Histogram(program.Kernels.GroupBy(k => k.Primitive).Select(gr => new KeyValuePair<string, int>(gr.Key, gr.Count())).OrderByDescending(kv => kv.Value).ToList());
                info["peakActivationBytes"] = plan.PeakActivationBytes;
                info["totalActivationBytes"] = plan.TotalActivationBytes;
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
                io.Err.WriteLine($"error: {e.Message}");
            }
        }
        else if (compileError is not null)
        {
            io.Err.WriteLine($"error: {compileError}");
        }
        return exit;
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
        if (info["kernels"] is { } k)
        {
            w.WriteLine($"kernels    {Ops(k)}");
        }
        if (info["peakActivationBytes"] is { } peak)
        {
            double total = info["totalActivationBytes"]!.GetValue<long>();
            w.WriteLine($"memory     peak activations {peak.GetValue<long>() / 1048576.0:0.00} MiB after planning, {total / 1048576.0:0.00} MiB without reuse (sum of all activations)");
        }
    }
}
