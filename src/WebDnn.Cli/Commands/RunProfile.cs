using System.Globalization;
using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Tooling.Packages;

namespace WebDnn.Cli.Commands;

/// <summary>
/// `webdnn run --profile`: each kernel's median time over the timed runs (as the runtime's profile mode measured it),
/// joined with the package manifest (ONNX node, primitive, algorithm, layout, shapes, FLOPs), sorted by time, then the
/// totals per primitive and per algorithm. The runtime knows kernel indices only; everything else comes from here.
/// </summary>
internal static class RunProfile
{
    /// <summary>The profile document (the same for the table and for --json); says why when the run has no kernel times.</summary>
    public static JsonObject Build(ManifestBackend b, PackageRunResult result)
    {
        var runs = result.KernelMs ?? [];
        if (runs.Count == 0)
        {
            return new JsonObject { ["unavailable"] = result.ProfileUnavailable ?? "the backend returned no kernel times" };
        }
        var medians = Enumerable.Range(0, b.Kernels.Count).Select(i => PackageRunResult.Median(runs.Select(r => i < r.Length ? r[i] : 0).ToList())).ToArray();
        double sum = medians.Sum();
        var rows = new JsonArray();
        foreach (int i in Enumerable.Range(0, b.Kernels.Count).OrderByDescending(i => medians[i]).ThenBy(i => i))
        {
            var k = b.Kernels[i];
            rows.Add(new JsonObject
            {
                ["kernel"] = i,
                ["node"] = k.Origin,
                ["primitive"] = k.Primitive,
                ["algorithm"] = k.Algorithm,
                ["layout"] = k.Layout,
                ["entry"] = k.Entry,
                ["shape"] = ShapeSummary(b, k),
                ["ms"] = Round(medians[i]),
                ["flops"] = k.Flops,
                ["gflops"] = GFlops(k.Flops, medians[i]),
                ["percent"] = Percent(medians[i], sum),
            });
        }
        return new JsonObject
        {
            ["runs"] = runs.Count,
            ["runMedianMs"] = result.RunMs.Count > 0 ? Round(result.MedianMs) : null,
            ["kernelMs"] = Round(sum),
            ["kernelSumPerRunMs"] = new JsonArray([.. runs.Select(r => (JsonNode)Round(r.Sum()))]),
            ["kernels"] = rows,
            ["byPrimitive"] = Totals(b, medians, sum, k => k.Primitive, (k, o) => o["primitive"] = k.Primitive),
            ["byAlgorithm"] = Totals(b, medians, sum, k => $"{k.Primitive}/{k.Algorithm}", (k, o) =>
            {
                o["primitive"] = k.Primitive;
                o["algorithm"] = k.Algorithm;
            }),
        };
    }

    /// <summary>The table: kernels by time (node names escaped), then the totals.</summary>
    public static void Print(TextWriter w, JsonObject p)
    {
        if (p["unavailable"] is { } why)
        {
            w.WriteLine($"profile: not available: {Display.Escape(why.GetValue<string>())}");
            return;
        }
        string median = p["runMedianMs"] is { } rm ? $" of a {F(rm)} ms median run" : "";
        w.WriteLine($"profile: median over {p["runs"]} run(s); kernels {F(p["kernelMs"])} ms{median}");
        w.WriteLine($"{"ms",9} {"%",6} {"GFLOP/s",8}  {"kernel",6}  {"primitive",-15} {"algorithm",-20} {"layout",-6} {"shape",-44} node");
        foreach (var r in p["kernels"]!.AsArray())
        {
            // NOTE: "(js)" marks a wasm kernel that runs the js fallback (manifest entry "js:N").
            string primitive = r!["primitive"] + (r["entry"]?.GetValue<string>().StartsWith("js:", StringComparison.Ordinal) == true ? " (js)" : "");
            w.WriteLine($"{F(r["ms"]),9} {F(r["percent"], "0.0"),6} {G(r["gflops"]),8}  {"k" + r["kernel"],6}  {primitive,-15} {r["algorithm"],-20} {r["layout"],-6} "
                + $"{r["shape"],-44} {(r["node"] is { } n ? Display.Escape(n.GetValue<string>()) : "")}");
        }
        PrintTotals(w, "per primitive", p["byPrimitive"]!.AsArray(), o => o["primitive"]!.GetValue<string>());
        PrintTotals(w, "per algorithm", p["byAlgorithm"]!.AsArray(), o => $"{o["primitive"]}/{o["algorithm"]}");
    }

    private static void PrintTotals(TextWriter w, string title, JsonArray rows, Func<JsonNode, string> name)
    {
        w.WriteLine($"{title}:");
        foreach (var r in rows)
        {
            w.WriteLine($"{F(r!["ms"]),9} {F(r["percent"], "0.0"),6} {G(r["gflops"]),8}  {name(r),-42} {r["count"]} kernel(s)");
        }
    }

    private static JsonArray Totals(ManifestBackend b, double[] medians, double sum, Func<ManifestKernel, string> key, Action<ManifestKernel, JsonObject> describe)
    {
        var groups = Enumerable.Range(0, b.Kernels.Count).GroupBy(i => key(b.Kernels[i]), StringComparer.Ordinal)
            .Select(g => (First: b.Kernels[g.First()], Count: g.Count(), Ms: g.Sum(i => medians[i]), Flops: g.Sum(i => b.Kernels[i].Flops)))
            .OrderByDescending(g => g.Ms);
        var rows = new JsonArray();
        foreach (var g in groups)
        {
            var o = new JsonObject();
            describe(g.First, o);
            o["count"] = g.Count;
            o["ms"] = Round(g.Ms);
            o["flops"] = g.Flops;
            o["gflops"] = GFlops(g.Flops, g.Ms);
            o["percent"] = Percent(g.Ms, sum);
            rows.Add(o);
        }
        return rows;
    }

    /// <summary>"1x64x56x56 64x64x1x1 -> 1x64x56x56": the first two inputs (data, weight) and the first output, physical shapes.</summary>
    private static string ShapeSummary(ManifestBackend b, ManifestKernel k)
    {
        string Shape(int id) => id >= 0 && id < b.Buffers.Count ? (b.Buffers[id].Shape.Count == 0 ? "scalar" : string.Join("x", b.Buffers[id].Shape)) : "?";
        var ins = string.Join(" ", k.Inputs.Take(2).Select(Shape)) + (k.Inputs.Count > 2 ? " +" + (k.Inputs.Count - 2) : "");
        return $"{ins} -> {(k.Outputs.Count > 0 ? Shape(k.Outputs[0]) : "")}";
    }

    private static double Round(double ms) => Math.Round(ms, 4);

    private static double? GFlops(long flops, double ms) => flops > 0 && ms > 0 ? Math.Round(flops / (ms * 1e6), 2) : null;

    private static double Percent(double ms, double sum) => sum > 0 ? Math.Round(100 * ms / sum, 2) : 0;

    private static string F(JsonNode? n, string format = "0.000") => n is null ? "" : n.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);

    private static string G(JsonNode? n) => n is null ? "-" : n.GetValue<double>().ToString("0.00", CultureInfo.InvariantCulture);
}
