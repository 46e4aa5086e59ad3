using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebDnn.Tooling.Bench;

/// <summary>One engine on one backend: ours ("webdnn") or a peer.</summary>
public sealed record EngineResult
{
    public required string Engine { get; init; }

    public required string Backend { get; init; }

    /// <summary>"ok", "pending: …" (ours not built yet), "n/a: …" (not applicable, e.g. an unmapped op) or "error: …".</summary>
    public required string Status { get; init; }

    /// <summary>Fetch + compile + first result, in ms.</summary>
    public double? LoadMs { get; init; }

    public double? MedianMs { get; init; }

    public double? MinMs { get; init; }

    public double? MaxMs { get; init; }

    /// <summary>Every timed run in order (ms).</summary>
    public IReadOnlyList<double> TimesMs { get; init; } = [];

    /// <summary>Largest |output − native ONNX Runtime| over all outputs (null when the engine produced none).</summary>
    public double? MaxAbsDiffVsOracle { get; init; }

    /// <summary>Largest |output − our output| (null when ours did not run on this engine's paired backend).</summary>
    public double? MaxAbsDiffVsOurs { get; init; }

    /// <summary>Whether the outputs agree with native ONNX Runtime within <see cref="BenchResult.Tolerance"/>.</summary>
    public bool? Agrees { get; init; }

    /// <summary>
    /// What the engine holds after its runs, in bytes (its peak: wasm memory only grows): the wasm linear memory
    /// (memory.buffer.byteLength; ours through Runner.memoryBytes(), the peers' memories noted as they instantiate);
    /// ours on js: the arena and weight ArrayBuffers; ours on webgpu: its GPU buffers. Null when not measured.
    /// </summary>
    public long? MemoryBytes { get; init; }

    /// <summary>How <see cref="MemoryBytes"/> was measured, or "n/a: why".</summary>
    public string? Memory { get; init; }

    [JsonIgnore]
    public bool Ok => Status == "ok";
}

/// <summary>Ours on one backend against the peers on the paired backend.</summary>
public sealed record PairResult
{
    public required string Backend { get; init; }

    public required string PeerBackend { get; init; }

    public double? OursMedianMs { get; init; }

    /// <summary>Peer engine → its median (ms), null when it did not run.</summary>
    public required IReadOnlyDictionary<string, double?> PeerMedianMs { get; init; }

    /// <summary>Peer engine → ours / peer of medians (&lt; 1: ours is faster).</summary>
    public required IReadOnlyDictionary<string, double?> Ratio { get; init; }

    /// <summary>The fastest peer on the paired backend and ours / that peer.</summary>
    public string? BestPeer { get; init; }

    public double? RatioVsBest { get; init; }
}

/// <summary>The result of one <c>webdnn bench</c> run on one model.</summary>
public sealed record BenchResult
{
    public const string CurrentFormat = "webdnn-bench/1";

    public string Format { get; init; } = CurrentFormat;

    /// <summary>Model name (file name without .onnx/.onnx.gz).</summary>
    public required string Model { get; init; }

    public required string ModelPath { get; init; }

    /// <summary>"name: f32[1,3,224,224]" per input.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    public required DateTimeOffset Date { get; init; }

    public required string Chromium { get; init; }

    public required IReadOnlyDictionary<string, string> PeerVersions { get; init; }

    public required string Machine { get; init; }

    public required int Threads { get; init; }

    public required int Runs { get; init; }

    public required int Warmup { get; init; }

    public bool CrossOriginIsolated { get; init; }

    /// <summary>The whole page's memory (every engine) by performance.measureUserAgentSpecificMemory, when it answered.</summary>
    public long? PageMemoryBytes { get; init; }

    /// <summary>How <see cref="PageMemoryBytes"/> was measured, or "n/a: why".</summary>
    public string? PageMemory { get; init; }

    /// <summary>The rule outputs are checked with (against native ONNX Runtime).</summary>
    public required string Tolerance { get; init; }

    /// <summary>Which graph the TF.js adapter ran (e.g. "O2 passes" or "imported graph").</summary>
    public string TfjsGraph { get; init; } = "";

    public required IReadOnlyList<EngineResult> Engines { get; init; }

    public required IReadOnlyList<PairResult> Pairs { get; init; }

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static BenchResult FromJson(string json) =>
        JsonSerializer.Deserialize<BenchResult>(json, s_json) ?? throw new JsonException("empty bench result");

    /// <summary>The table <c>webdnn bench</c> prints.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"{Model} ({string.Join(", ", Inputs)}) · {Chromium} · {Threads} thread{(Threads == 1 ? "" : "s")}{(CrossOriginIsolated ? "" : " (not cross-origin isolated)")} · {Runs} runs after {Warmup} warm-up, alternating · times in ms");
        sb.AppendLine(inv, $"peers: {string.Join(", ", PeerVersions.Select(kv => $"{kv.Key} {kv.Value}"))} · {Machine}");
        sb.AppendLine(inv, $"TF.js runs our graph ({TfjsGraph}); outputs checked with {Tolerance}");
        string[] head = ["engine", "backend", "load", "median", "min", "max", "memory", "ours/this", "max|Δ| vs ORT-native", "status"];
        var rows = new List<string[]>();
        foreach (var e in Engines)
        {
            string ratio = "";
            if (e.Engine != Peer.Ours)
            {
                var r = Pairs.Where(p => p.PeerBackend == e.Backend && p.Ratio.TryGetValue(e.Engine, out var x) && x is not null)
                    .Select(p => $"{p.Backend} {p.Ratio[e.Engine]!.Value.ToString("0.00", inv)}x");
                ratio = string.Join(" ", r);
            }
            string diff = e.MaxAbsDiffVsOracle is { } d ? $"{d.ToString("0.0e+0", inv)} {(e.Agrees == true ? "agrees" : "DIFFERS")}" : "";
            rows.Add([
                e.Engine, e.Backend, Ms(e.LoadMs), Ms(e.MedianMs), Ms(e.MinMs), Ms(e.MaxMs), Mib(e.MemoryBytes), ratio, diff, e.Status,
            ]);
        }
        var widths = head.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        bool[] right = [false, false, true, true, true, true, true, false, false, false];
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((c, i) => right[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd());
        Line(head);
        foreach (var r in rows)
        {
            Line(r);
        }
        foreach (var p in Pairs)
        {
            string best = p.BestPeer is null ? "no peer result" : $"{p.RatioVsBest?.ToString("0.00", inv) ?? "—"}x the best peer ({p.BestPeer} {p.PeerBackend})";
            sb.AppendLine(inv, $"ours {p.Backend}: {(p.OursMedianMs is null ? "no result" : best)}   (ours/peer of medians; < 1 means ours is faster)");
        }
        sb.AppendLine(inv, $"memory: after the runs; {string.Join("; ", Engines.Where(e => e.Memory is not null).Select(e => $"{e.Engine} {e.Backend}: {e.Memory}").Distinct())}");
        if (PageMemory is not null)
        {
            sb.AppendLine(inv, $"page memory: {(PageMemoryBytes is { } pb ? $"{Mib(pb)} by {PageMemory}" : PageMemory)}");
        }
        return sb.ToString();
    }

    private static string Mib(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB" : "—";

    private static string Ms(double? v) => v switch
    {
        null => "—",
        >= 100 => v.Value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => v.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
