using System.Text;
using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Browser;

/// <summary>
/// The wasm backend off the page's thread (issue 9, item 4), in Chromium: by default run() leaves the page responsive
/// (a 1 ms interval ticks during a run of a few hundred milliseconds; with wasmWorker: false it cannot tick at all,
/// the run is synchronous), wasmThreads: 2 on a cross-origin isolated page starts two workers, and every mode returns
/// the same bytes. On a page without COOP/COEP, wasmThreads: 2 warns and runs one worker.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class WasmWorkerBrowserTests : IAsyncLifetime
{
    private const string Script = """
        async (modes) => {
          const { load } = await import('/webdnn.mjs');
          const x = new Float32Array(256 * 1024).map((_, i) => Math.sin(i * 0.001));
          const results = [];
          globalThis.runners = [];
          for (const options of modes) {
            const runner = await load('/', { backendOrder: ['wasm'], ...options });
            globalThis.runners.push(runner);
            await runner.run({ x });                        // warm-up (first-run compilation)
            let ticks = 0;
            const timer = setInterval(() => ticks++, 1);
            const out = await runner.run({ x });
            clearInterval(timer);
            results.push({ ticks, y: Array.from(new Uint8Array(out.y.data.buffer, out.y.data.byteOffset, out.y.data.byteLength)) });
          }
          return JSON.stringify({ isolated: globalThis.crossOriginIsolated === true, results });
        }
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-wworker-" + Guid.NewGuid().ToString("N")[..12]);
    private HeadlessBrowser? _browser;

    public async Task InitializeAsync()
    {
        var pb = Runtime.SlowMatMulModel.Build(rows: 256, layers: 6);
        PackageWriter.Write(pb.Program, _dir, ["wasm"]);
        _browser = await HeadlessBrowser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private StaticServer Serve(bool isolated, string head = "")
    {
        var server = new StaticServer(_dir) { CrossOriginIsolated = isolated };
        server.AddFile("/webdnn.mjs", Encoding.UTF8.GetBytes(RuntimeAssets.RuntimeText()), "text/javascript");
        server.AddFile("/index.html", Encoding.UTF8.GetBytes($"<!doctype html><meta charset=utf-8>{head}<title>worker</title>"), "text/html");
        server.Start();
        return server;
    }

    private sealed record Result(int Ticks, byte[] Y);

    private static (bool Isolated, Result[] Results) Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        var results = r.GetProperty("results").EnumerateArray()
            .Select(e => new Result(e.GetProperty("ticks").GetInt32(), [.. e.GetProperty("y").EnumerateArray().Select(b => b.GetByte())])).ToArray();
        return (r.GetProperty("isolated").GetBoolean(), results);
    }

    [Fact]
    public async Task A_run_in_the_worker_leaves_the_page_responsive_and_threads_return_the_same_bytes()
    {
        using var server = Serve(isolated: true);
        var log = new List<string>();
        var page = await _browser!.NewPageAsync(log.Add);
        await page.GotoAsync(new Uri(server.BaseUri, "index.html").ToString());
        string json = await page.EvaluateAsync<string>(Script, new object[]
        {
            new { wasmWorker = false },
            new { wasmThreads = 1 },
            new { wasmThreads = 2 },
        });
        var (isolated, r) = Parse(json);
        Assert.True(isolated, "the test server's COOP/COEP headers should make the page cross-origin isolated");
        Assert.Equal(0, r[0].Ticks);      // wasmWorker: false runs synchronously: no timer can fire during run()
        Assert.True(r[1].Ticks >= 1, "the page's thread was blocked during a run in the worker");
        Assert.True(r[2].Ticks >= 1, "the page's thread was blocked during a run on two threads");
        Assert.Equal(r[0].Y, r[1].Y);
        Assert.Equal(r[0].Y, r[2].Y);
        // workers alive: none for the opt-out runner, one, then two
        Assert.Equal(3, page.Workers.Count);
        Assert.DoesNotContain(log, l => l.Contains("wasmThreads", StringComparison.Ordinal));
        await page.EvaluateAsync("() => { for (const r of globalThis.runners) r.dispose(); }");
        for (int i = 0; i < 100 && page.Workers.Count > 0; i++)
        {
            await Task.Delay(50);
        }
        Assert.Empty(page.Workers);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Threads_on_a_page_that_is_not_isolated_warn_and_run_one_worker()
    {
        using var server = Serve(isolated: false);
        var log = new List<string>();
        var page = await _browser!.NewPageAsync(log.Add);
        await page.GotoAsync(new Uri(server.BaseUri, "index.html").ToString());
        string json = await page.EvaluateAsync<string>(Script, new object[] { new { wasmWorker = false }, new { wasmThreads = 2 } });
        var (isolated, r) = Parse(json);
        Assert.False(isolated);
        Assert.Equal(r[0].Y, r[1].Y);
        Assert.Single(page.Workers);
        Assert.Contains(log, l => l.StartsWith("[warning] webdnn: wasmThreads 2 needs a cross-origin isolated page", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_page_whose_policy_forbids_blob_workers_runs_the_kernels_on_its_own_thread_with_a_warning()
    {
        using var server = Serve(isolated: false, head: "<meta http-equiv=\"Content-Security-Policy\" content=\"worker-src 'none'\">");
        var log = new List<string>();
        var page = await _browser!.NewPageAsync(log.Add);
        await page.GotoAsync(new Uri(server.BaseUri, "index.html").ToString());
        string json = await page.EvaluateAsync<string>(Script, new object[] { new { wasmWorker = false }, new { } });
        var (_, r) = Parse(json);
        Assert.Equal(r[0].Y, r[1].Y);
        Assert.Equal(0, r[1].Ticks);
        Assert.Empty(page.Workers);
        Assert.Contains(log, l => l.StartsWith("[warning] webdnn: the wasm worker failed", StringComparison.Ordinal) && l.EndsWith("the wasm backend runs on the calling thread", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }
}
