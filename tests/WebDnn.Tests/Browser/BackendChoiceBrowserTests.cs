using System.Text;
using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Browser;

/// <summary>
/// load()'s automatic choice in headless Chromium: a WebGPU adapter that reports itself as a software fallback
/// (SwiftShader here: <c>adapter.info.isFallbackAdapter</c> is true) goes behind wasm, and <c>runner.skipped</c> says why;
/// a page that names webgpu in backendOrder gets it.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class BackendChoiceBrowserTests : IDisposable
{
    private const string Script = """
        async () => {
          const { load } = await import('/webdnn.mjs');
          const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
          const fallback = adapter?.info?.isFallbackAdapter === true;
          const x = new Float32Array([1, 2, 3, 4]);
          const pick = async (options) => {
            const runner = await load('/', options);
            const y = Array.from((await runner.run({ x })).y.data);
            const result = { backend: runner.backend, skipped: runner.skipped, y };
            runner.dispose();
            return result;
          };
          return JSON.stringify({ fallback, automatic: await pick({}), explicit: await pick({ backendOrder: ['webgpu', 'wasm', 'js'] }) });
        }
        """;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_software_webgpu_adapter_goes_behind_wasm_unless_the_page_asks_for_webgpu()
    {
        string pkg = _dir.File("pkg");
        PackageWriter.Write(Runtime.TinyModel.Build().Program, pkg, ["webgpu", "wasm", "js"]);
        using var server = new StaticServer(pkg);
        server.AddFile("/webdnn.mjs", Encoding.UTF8.GetBytes(RuntimeAssets.RuntimeText()), "text/javascript");
        server.AddFile("/index.html", "<!doctype html><meta charset=utf-8><title>choice</title>"u8.ToArray(), "text/html");
        server.AddFile("/favicon.ico", [], "image/x-icon");
        var uri = server.Start();
        await using var browser = await HeadlessBrowser.LaunchAsync();
        var log = new List<string>();
        var page = await browser.NewPageAsync(log.Add);
        await page.GotoAsync(new Uri(uri, "index.html").ToString());
        using var doc = JsonDocument.Parse(await page.EvaluateAsync<string>(Script));
        var root = doc.RootElement;
        string Backend(string run) => root.GetProperty(run).GetProperty("backend").GetString()!;
        float[] Y(string run) => [.. root.GetProperty(run).GetProperty("y").EnumerateArray().Select(e => e.GetSingle())];

        // TinyModel: x = [1, 2, 3, 4] gives y = [2, 6, 12, 20] (exact in f32 on every backend).
        Assert.Equal([2f, 6f, 12f, 20f], Y("automatic"));
        Assert.Equal([2f, 6f, 12f, 20f], Y("explicit"));
        Assert.Equal("webgpu", Backend("explicit"));
        // Chromium.Flags force SwiftShader (--use-webgpu-adapter=swiftshader), which reports itself as a fallback adapter.
        Assert.True(root.GetProperty("fallback").GetBoolean(), "SwiftShader's adapter did not report info.isFallbackAdapter");
        Assert.Equal("wasm", Backend("automatic"));
        var reason = root.GetProperty("automatic").GetProperty("skipped").EnumerateArray()
            .Single(s => s.GetProperty("backend").GetString() == "webgpu").GetProperty("reason").GetString();
        Assert.Contains("software fallback", reason, StringComparison.Ordinal);
    }
}
