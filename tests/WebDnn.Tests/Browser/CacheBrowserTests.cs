using System.Text;
using WebDnn.Backends.Common;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Browser;

/// <summary>
/// Weight shards are kept across page loads (issue 11, part 2): a second load in the same browser profile requests no
/// shard. Counted on the server: every request the page makes for a weights-*.bin file.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class CacheBrowserTests : IAsyncLifetime, IDisposable
{
    private const string Script = """
        async ({ mode, source }) => {
          const { load } = await import('/webdnn.mjs');
          const what = source === 'packed' ? await fetch('/model.tar') : source;
          const runner = await load(what, { backendOrder: ['js'], cache: mode });
          const out = await runner.run({ x: new Float32Array([1, 2, 3, 4]) });
          runner.dispose();
          const stores = {
            cacheApi: typeof caches === 'undefined' ? false : await globalThis.caches.has('webdnn-weights'),
            indexedDb: (await indexedDB.databases()).some((d) => d.name === 'webdnn-weights'),
          };
          return JSON.stringify({ y: Array.from(out.y.data), stores });
        }
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-cache-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<string> _requests = [];
    private StaticServer? _server;
    private HeadlessBrowser? _browser;
    private int _shards;

    public async Task InitializeAsync()
    {
        var pb = Runtime.TinyModel.Build(spill: true);
        string pkg = Path.Combine(_dir, "pkg");
        _shards = PackageWriter.Write(pb.Program, pkg, ["js"]).Shards.Count;
        PackedPackage.Pack(pkg, Path.Combine(_dir, "model.tar"));

        _server = new StaticServer(pkg);
        _server.AddFile("/webdnn.mjs", Encoding.UTF8.GetBytes(RuntimeAssets.RuntimeText()), "text/javascript");
        _server.AddFile("/model.tar", File.ReadAllBytes(Path.Combine(_dir, "model.tar")));
        _server.AddFile("/index.html", "<!doctype html><meta charset=utf-8><title>cache</title>"u8.ToArray(), "text/html");
        _server.Log = line =>
        {
            lock (_requests)
            {
                _requests.Add(line);
            }
        };
        _server.Start();
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

    public void Dispose() => _server?.Dispose();

    private int WeightRequests()
    {
        lock (_requests)
        {
            return _requests.Count(r => r.StartsWith("GET /weights-", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("auto", false, "cacheApi")]
    [InlineData("indexeddb", false, "indexedDb")]
    [InlineData("auto", true, "indexedDb")] // no Cache API (as on a plain-http page): IndexedDB
    public async Task A_second_load_requests_no_weights(string mode, bool hideCacheApi, string store)
    {
        var page = await _browser!.NewPageAsync();
        if (hideCacheApi)
        {
            await page.AddInitScriptAsync("Object.defineProperty(globalThis, 'caches', { value: undefined, configurable: true });");
        }
        await page.GotoAsync(new Uri(_server!.BaseUri, "index.html").ToString());
        int before = WeightRequests();
        string first = await page.EvaluateAsync<string>(Script, new { mode, source = "/" });
        Assert.Equal(_shards, WeightRequests() - before);
        Assert.Contains($"\"{store}\":true", first, StringComparison.Ordinal);
        Assert.Contains("\"y\":[2,6,12,20]", first, StringComparison.Ordinal);

        await page.ReloadAsync();
        before = WeightRequests();
        string second = await page.EvaluateAsync<string>(Script, new { mode, source = "/model.json" });
        Assert.Equal(0, WeightRequests() - before);
        Assert.Contains("\"y\":[2,6,12,20]", second, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task With_cache_none_every_load_downloads()
    {
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(new Uri(_server!.BaseUri, "index.html").ToString());
        int before = WeightRequests();
        await page.EvaluateAsync<string>(Script, new { mode = "none", source = "/" });
        await page.ReloadAsync();
        string second = await page.EvaluateAsync<string>(Script, new { mode = "none", source = "/" });
        Assert.Equal(2 * _shards, WeightRequests() - before);
        Assert.Contains("\"cacheApi\":false", second, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_packed_package_loads_from_a_fetch_response()
    {
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(new Uri(_server!.BaseUri, "index.html").ToString());
        int before = WeightRequests();
        string r = await page.EvaluateAsync<string>(Script, new { mode = "auto", source = "packed" });
        Assert.Contains("\"y\":[2,6,12,20]", r, StringComparison.Ordinal);
        Assert.Equal(0, WeightRequests() - before);
        await page.Context.CloseAsync();
    }
}
