using System.IO.Compression;
using System.Text.Json.Nodes;
using WebDnn.Backends.Common;

namespace WebDnn.Cli.Commands;

/// <summary>
/// `webdnn inspect DIR` on a compiled package: per backend what a user downloads and allocates — the runtime bundle and
/// the backend's kernel files (bytes and gzip; of kernels.wasm and kernels-relaxed.wasm, which a page loads one of, the
/// larger), against the goal of 100 KiB, the weight shards it reads, the arena, and for wasm the linear memory (weights +
/// arena + the largest kernel scratch) — and per backend how many kernels run each implementation.
/// </summary>
internal static class InspectPackage
{
    /// <summary>The goal for what a page downloads as code per backend, gzip: runtime + the model's kernels ≤ 100 KiB (issue 9).</summary>
    public const long CodeGoalGzip = 100 * 1024;

    /// <summary>Files of which the runtime loads one (kernels-relaxed.wasm where relaxed SIMD validates, else kernels.wasm).</summary>
    private static readonly string[][] Alternatives = [["kernels.wasm", "kernels-relaxed.wasm"]];

    public static bool IsPackage(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, "model.json"));

    public static int Run(CliIO io, string dir, bool json)
    {
        var m = PackageWriter.ReadManifest(dir);
        string runtime = RuntimeAssets.RuntimeText();
        long runtimeGzip = Gzip(System.Text.Encoding.UTF8.GetBytes(runtime));
        var backends = new JsonObject();
        foreach (var (name, b) in m.Backends)
        {
            long files = 0, filesGzip = 0;
            var fileList = new JsonArray();
            var gzips = b.Files.ToDictionary(f => f.File, f => File.Exists(Path.Combine(dir, f.File)) ? Gzip(File.ReadAllBytes(Path.Combine(dir, f.File))) : 0);
            foreach (var f in b.Files)
            {
                // A page loads one of two alternative files (SIMD or relaxed SIMD): the larger one counts.
                var alt = Alternatives.FirstOrDefault(x => x.Contains(PackageWriter.LogicalName(f.File)));
                bool counted = alt is null || b.Files.Where(x => alt.Contains(PackageWriter.LogicalName(x.File)))
                    .OrderByDescending(x => gzips[x.File]).ThenBy(x => x.File, StringComparer.Ordinal).First().File == f.File;
                if (counted)
                {
                    files += f.ByteLength;
                    filesGzip += gzips[f.File];
                }
                fileList.Add(new JsonObject { ["file"] = f.File, ["bytes"] = f.ByteLength, ["gzip"] = gzips[f.File], ["counted"] = counted });
            }
            long weights = b.Shards.Sum(s => m.Shards[s].ByteLength);
            long scratch = b.Kernels.Select(k => k.Data is [var s, ..] && name == "wasm" ? (long)s : 0).DefaultIfEmpty(0).Max();
            var entries = b.Kernels.GroupBy(k => k.Entry is null ? name : k.Entry.StartsWith("js:", StringComparison.Ordinal) ? "js-fallback" : name)
                .ToDictionary(g => g.Key, g => g.Count());
            var info = new JsonObject
            {
                ["kernelFiles"] = fileList,
                ["kernelBytes"] = files,
                ["kernelGzip"] = filesGzip,
                ["runtimeGzip"] = runtimeGzip,
                ["codeGzip"] = runtimeGzip + filesGzip,
                ["codeGoalGzip"] = CodeGoalGzip,
                ["weightBytes"] = weights,
                ["arenaBytes"] = b.ArenaBytes,
                ["kernels"] = new JsonObject(entries.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            };
            if (name == "wasm")
            {
                info["scratchBytes"] = scratch;
                info["memoryBytes"] = Align(Align(weights, 64) + b.ArenaBytes, 64) + scratch;
                info["nativePrimitives"] = new JsonArray([.. b.Kernels.Where(k => k.Entry is { } e && !e.StartsWith("js:", StringComparison.Ordinal))
                    .Select(k => k.Primitive).Distinct().Order().Select(p => (JsonNode)p)]);
                info["fallbackPrimitives"] = new JsonArray([.. b.Kernels.Where(k => k.Entry is { } e && e.StartsWith("js:", StringComparison.Ordinal))
                    .Select(k => k.Primitive).Distinct().Order().Select(p => (JsonNode)p)]);
            }
            backends[name] = info;
        }
        var doc = new JsonObject { ["package"] = Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), ["formatVersion"] = m.FormatVersion, ["backends"] = backends };
        if (json)
        {
            io.Out.WriteLine(doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        foreach (var (name, n) in backends)
        {
            var o = n!.AsObject();
            long code = o["codeGzip"]!.GetValue<long>();
            string goal = code <= CodeGoalGzip ? $"within the {Kb(o["codeGoalGzip"])} goal" : $"{Kb(code - CodeGoalGzip)} over the {Kb(o["codeGoalGzip"])} goal";
            io.Out.WriteLine($"{name,-8} code {Kb(o["codeGzip"])} gzip, {goal} (runtime {Kb(o["runtimeGzip"])} + kernels {Kb(o["kernelGzip"])}; kernels {Kb(o["kernelBytes"])} raw)"
                + $" · weights {Mib(o["weightBytes"])} · arena {Mib(o["arenaBytes"])}" + (o["memoryBytes"] is { } mem ? $" · wasm memory {Mib(mem)}" : ""));
            io.Out.WriteLine($"         kernels: {string.Join(", ", o["kernels"]!.AsObject().Select(kv => $"{kv.Key} {kv.Value}"))}"
                + (o["nativePrimitives"] is JsonArray nat ? $" · wasm-native: {string.Join(", ", nat)} · js fallback: {string.Join(", ", o["fallbackPrimitives"]!.AsArray())}" : ""));
        }
        return 0;
    }

    private static long Align(long v, long a) => (v + a - 1) / a * a;

    private static string Kb(JsonNode? n) => Kb(n!.GetValue<long>());

    private static string Kb(long bytes) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB");

    private static string Mib(JsonNode? n) => $"{n!.GetValue<long>() / 1048576.0:0.00} MiB";

    private static long Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gz.Write(data);
        }
        return ms.Length;
    }
}
