using WebDnn.Core;

namespace WebDnn.Tooling.Bench;

/// <summary>Compiles our package for <c>webdnn bench</c>: (graph after the passes, output folder, backends, progress).</summary>
public delegate Task CompileOurs(Graph graph, string outputDir, IReadOnlyList<string> backends, IProgress<string>? progress, CancellationToken cancellation);

/// <summary>Options of <c>webdnn bench MODEL.onnx [--backends ...] [--vs ...] [--runs 20] [--warmup 3] [--threads 1] [--json FILE]</c>.</summary>
public sealed record BenchOptions(string ModelPath)
{
    /// <summary>Our backends to measure: js, wasm, webgpu, webgl (js/wasm/webgl are compared with the peers' wasm, webgpu with their webgpu).</summary>
    public IReadOnlyList<string> Backends { get; init; } = ["wasm"];

    /// <summary>Peers: onnxruntime-web, tfjs.</summary>
    public IReadOnlyList<string> Peers { get; init; } = [Peer.OnnxRuntimeWeb, Peer.Tfjs];

    /// <summary>Timed runs per engine (medians are reported).</summary>
    public int Runs { get; init; } = 20;

    public int Warmup { get; init; } = 3;

    /// <summary>Wasm threads for every engine (threads &gt; 1 rely on the server's COOP/COEP headers).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Where to write the result as JSON (null: nowhere).</summary>
    public string? JsonPath { get; init; }

    /// <summary>Fixed sizes for symbolic input dimensions, by input name (as <c>--shape</c>); others become 1.</summary>
    public IReadOnlyDictionary<string, int[]>? InputShapes { get; init; }

    /// <summary>Builds our package; null: the built-in pipeline (passes → lowering → memory plan → package writer).</summary>
    public CompileOurs? Compile { get; init; }

    /// <summary>Our runtime module (runtime/dist/webdnn.mjs); null: looked up next to the tool and in the source tree.</summary>
    public string? RuntimeScript { get; init; }

    /// <summary>Whole-run time limit.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Keep the work folder (served files) for inspection instead of deleting it.</summary>
    public bool KeepWorkDir { get; init; }

    /// <summary>Validates the options; throws <see cref="UsageException"/> with what is wrong.</summary>
    public void Validate()
    {
        var badBackends = Backends.Where(b => !Backend.All.Contains(b)).ToList();
        if (badBackends.Count > 0 || Backends.Count == 0)
        {
            throw new UsageException($"--backends: unknown backend(s) {string.Join(", ", badBackends)}; choose from {string.Join(", ", Backend.All)}");
        }
        var badPeers = Peers.Where(p => !Peer.All.Contains(p)).ToList();
        if (badPeers.Count > 0)
        {
            throw new UsageException($"--vs: unknown peer(s) {string.Join(", ", badPeers)}; choose from {string.Join(", ", Peer.All)}");
        }
        if (Runs < 1 || Warmup < 0 || Threads < 1)
        {
            throw new UsageException("--runs must be ≥ 1, --warmup ≥ 0 and --threads ≥ 1");
        }
    }
}

/// <summary>Our backend names and the peer backend each is compared with.</summary>
public static class Backend
{
    public static IReadOnlyList<string> All { get; } = ["js", "wasm", "webgpu", "webgl"];

    /// <summary>The peers' backend that ours is compared with: webgpu ↔ webgpu; js, wasm and webgl ↔ wasm (for reference).</summary>
    public static string PeerBackend(string ours) => ours == "webgpu" ? "webgpu" : "wasm";
}

/// <summary>The peer engines.</summary>
public static class Peer
{
    public const string OnnxRuntimeWeb = "onnxruntime-web";
    public const string Tfjs = "tfjs";
    public const string Ours = "webdnn";

    public static IReadOnlyList<string> All { get; } = [OnnxRuntimeWeb, Tfjs];

    /// <summary>Short column label.</summary>
    public static string Label(string engine) => engine switch
    {
        OnnxRuntimeWeb => "ORT",
        Tfjs => "TF.js",
        _ => "ours",
    };
}
