using System.Net;
using WebDnn.Core;
using WebDnn.Tooling.Bench;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Bench;

/// <summary>
/// `webdnn bench` and its plumbing. The smoke test runs the real command with --runs 1 on a tiny CNN in headless
/// Chromium (installing Chromium and the npm peers on first use); it checks that every engine (ours included) ran and
/// that the outputs agree with native ONNX Runtime. No timing is asserted anywhere.
/// </summary>
public sealed class BenchTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"webdnn-bench-tests-{Guid.NewGuid():N}");

    public BenchTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Bench_runs_ours_and_both_peers_on_a_tiny_cnn_and_the_outputs_agree_with_onnx_runtime()
    {
        string model = TinyCnn.Write(Path.Combine(_dir, "tiny_cnn.onnx.gz"));
        string json = Path.Combine(_dir, "out", "tiny.json");
        var lines = new List<string>();
        var result = await BenchRunner.RunAsync(
            new BenchOptions(model) { Backends = ["js"], Runs = 1, Warmup = 0, JsonPath = json },
            new Progress<string>(s => { lock (lines) { lines.Add(s); } }));

        string table = result.ToTable();
        foreach (var peer in new[] { Peer.OnnxRuntimeWeb, Peer.Tfjs })
        {
            var e = result.Engines.Single(x => x.Engine == peer);
            Assert.True(e.Status == "ok", $"{peer}: {e.Status}\n{table}");
            Assert.Equal("wasm", e.Backend);
            Assert.Single(e.TimesMs);
            Assert.True(e.Agrees == true, $"{peer} differs from native ONNX Runtime by {e.MaxAbsDiffVsOracle}\n{table}");
            // Both peers instantiate their wasm module while they load: its linear memory is what they hold.
            Assert.True(e.MemoryBytes > 0, $"{peer}: memory {e.Memory}\n{table}");
            Assert.StartsWith("wasm memory", e.Memory, StringComparison.Ordinal);
        }
        // Ours must have compiled, run and agreed: "n/a" (a compile failure) or "pending" is a failure here.
        var ours = result.Engines.Single(x => x.Engine == Peer.Ours);
        Assert.True(ours.Status == "ok", $"ours: {ours.Status}\n{table}");
        Assert.Equal("js", ours.Backend);
        Assert.Single(ours.TimesMs);
        Assert.True(ours.Agrees == true, $"ours differs from native ONNX Runtime by {ours.MaxAbsDiffVsOracle}\n{table}");
        Assert.True(ours.MemoryBytes > 0, $"ours: memory {ours.Memory}\n{table}");

        Assert.Equal("tiny_cnn", result.Model);
        Assert.Contains("onnxruntime-web", table);
        Assert.Contains("tfjs", table);
        Assert.True(result.CrossOriginIsolated);
        var back = BenchResult.FromJson(await File.ReadAllTextAsync(json));
        Assert.Equal(result.Engines.Count, back.Engines.Count);
        Assert.Equal(result.Pairs[0].PeerMedianMs.Keys, back.Pairs[0].PeerMedianMs.Keys);
    }

    [Fact]
    public async Task Static_server_sends_isolation_headers_and_mime_types_and_refuses_paths_outside_its_folder()
    {
        string root = Path.Combine(_dir, "site");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        await File.WriteAllTextAsync(Path.Combine(root, "index.html"), "<p>hi</p>");
        await File.WriteAllBytesAsync(Path.Combine(root, "sub", "k.wasm"), [0, 0x61, 0x73, 0x6d]);
        await File.WriteAllTextAsync(Path.Combine(root, "m.mjs"), "export {}");
        await File.WriteAllTextAsync(Path.Combine(_dir, "secret.txt"), "no");
        using var server = new StaticServer(root);
        server.AddFile("/mem/x.json", "{}"u8.ToArray());
        var baseUri = server.Start();
        using var http = new HttpClient { BaseAddress = baseUri };

        using (var r = await http.GetAsync(new Uri("/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("same-origin", r.Headers.GetValues("Cross-Origin-Opener-Policy").Single());
            Assert.Equal("require-corp", r.Headers.GetValues("Cross-Origin-Embedder-Policy").Single());
            Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        }
        foreach (var (path, type) in new[] { ("/sub/k.wasm", "application/wasm"), ("/m.mjs", "text/javascript"), ("/mem/x.json", "application/json") })
        {
            using var r = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(type, r.Content.Headers.ContentType?.MediaType);
        }
        foreach (var path in new[] { "/../secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/missing.js" })
        {
            using var r = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
        server.Stop();
    }

    [Fact]
    public void Filter_permutation_moves_oihw_to_hwio()
    {
        var w = Tensor.FromFloats([2, 3, 1, 2], Enumerable.Range(0, 12).Select(i => (float)i).ToArray());
        var hwio = TfjsGraphExporter.Permute(w, [2, 3, 1, 0]);
        Assert.Equal([1, 2, 3, 2], hwio.Shape);
        // hwio[0, kw, i, o] == w[o, i, 0, kw]
        for (int kw = 0; kw < 2; kw++)
        {
            for (int i = 0; i < 3; i++)
            {
                for (int o = 0; o < 2; o++)
                {
                    Assert.Equal(w.Floats[o * 6 + i * 2 + kw], hwio.Floats[kw * 6 + i * 2 + o]);
                }
            }
        }
    }
}
