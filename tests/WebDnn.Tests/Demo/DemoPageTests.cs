using Microsoft.Playwright;
using WebDnn.Core;
using WebDnn.Tooling.Browser;
using WebDnn.Tooling.Demo;
using WebDnn.Tooling.Models;
using WebDnn.Tooling.Oracle;
using Xunit.Abstractions;

namespace WebDnn.Tests.Demo;

/// <summary>
/// Builds the demo folder once (BlazeFace front and the smallest speed model, to keep the suite short; js, wasm and
/// webgpu kernels, so that the pages' "auto" choice is exercised), serves it from 127.0.0.1 with
/// <see cref="StaticServer"/> and opens it in headless Chromium.
/// </summary>
public sealed class DemoSite : IAsyncLifetime, IDisposable
{
    public static readonly string[] Models = ["blazeface_front", "squeezenet1_1"];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"webdnn-demo-tests-{Guid.NewGuid():N}");
    private StaticServer? _server;
    private HeadlessBrowser? _browser;

    public DemoBuildResult Build { get; private set; } = null!;

    public Uri BaseUri => _server!.BaseUri;

    public HeadlessBrowser Browser => _browser!;

    public List<string> BuildLog { get; } = [];

    /// <summary>Where the tests leave their screenshots: $WEBDNN_SCREENSHOTS, else demo-screenshots/ next to the test assembly.</summary>
    public static string ScreenshotDir =>
        Environment.GetEnvironmentVariable("WEBDNN_SCREENSHOTS") is { Length: > 0 } env ? env : Path.Combine(AppContext.BaseDirectory, "demo-screenshots");

    public async Task InitializeAsync()
    {
        var progress = new SyncProgress(line => { lock (BuildLog) { BuildLog.Add(line); } });
        Build = await DemoBuilder.BuildAsync(_dir, new DemoOptions { Models = Models, Backends = ["js", "wasm", "webgpu"] }, progress, CancellationToken.None);
        _server = new StaticServer(Build.Folder);
        _server.Start();
        _browser = await HeadlessBrowser.LaunchAsync();
        Directory.CreateDirectory(ScreenshotDir);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => _server?.Dispose();

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}

/// <summary>
/// The pages of <c>webdnn demo</c> in headless Chromium: the face page runs the real BlazeFace model on the js backend
/// over a drawn test image, and its raw outputs are compared with native ONNX Runtime on the very input the page built;
/// the page's decoding (anchors, sigmoid, box offsets) is checked against an independent C# decoding. No timing is asserted.
/// </summary>
public sealed class DemoPageTests(DemoSite site, ITestOutputHelper output) : IClassFixture<DemoSite>
{
    private const float WaitMs = 180_000;

    /// <summary>Decoded boxes and scores: plain float arithmetic in both languages, so far tighter than any real error.</summary>
    private const double DecodeTolerance = 1e-4;

    [Fact]
    public void Build_lists_the_compiled_models_and_copies_pages_and_runtime()
    {
        string log = string.Join('\n', site.BuildLog);
        foreach (var name in DemoSite.Models)
        {
            var entry = site.Build.Index.Models.Single(m => m.Name == name);
            Assert.True(entry.Error is null, $"{name}: {entry.Error}\n{log}");
            Assert.Contains("js", entry.Backends);
            Assert.True(File.Exists(Path.Combine(site.Build.Folder, "models", name, "model.json")));
            // Not verbose: one progress line per model, not one per pass and backend.
            var lines = site.BuildLog.Where(l => l.StartsWith($"demo: {name}: ", StringComparison.Ordinal)).ToList();
            Assert.True(lines.Count == 1 && lines[0].Contains("compiled in", StringComparison.Ordinal), $"{name}:\n{string.Join('\n', lines)}");
        }
        var face = site.Build.Index.Models.Single(m => m.Name == "blazeface_front");
        Assert.True(face.Trained);
        Assert.Equal(DemoGroup.Face, face.Group);
        Assert.Equal([1, 128, 128, 3], face.Inputs.Single().Shape);
        Assert.False(site.Build.Index.Models.Single(m => m.Name == "squeezenet1_1").Trained);
        foreach (var file in new[] { "index.html", "face.html", "face.js", "blazeface.js", "speed.html", "speed.js", "common.js", "style.css", "webdnn.mjs", "models.json" })
        {
            Assert.True(File.Exists(Path.Combine(site.Build.Folder, file)), $"{file} missing from the demo folder");
        }
    }

    [Fact]
    public async Task Face_page_detects_on_the_synthetic_image_on_js_and_its_raw_output_matches_onnx_runtime()
    {
        var console = new List<string>();
        var page = await site.Browser.NewPageAsync(line => { lock (console) { console.Add(line); } });
        await page.GotoAsync(new Uri(site.BaseUri, "face.html").ToString());
        Assert.True(await page.EvaluateAsync<bool>("() => window.faceDemo.ready"), Describe(console));
        await page.SelectOptionAsync("#backend", "js");
        await page.SelectOptionAsync("#nms", "plain");
        await page.WaitForFunctionAsync("() => ['ready', 'error'].includes(document.body.dataset.state) && window.faceDemo.state.runner?.backend === 'js'",
            null, new PageWaitForFunctionOptions { Timeout = WaitMs });
        Assert.True(await page.IsVisibleAsync("#placeholder"), "before any image the page says so");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DemoSite.ScreenshotDir, "face-no-image.png"), FullPage = true });

        int faces = await page.EvaluateAsync<int>("async () => (await window.faceDemo.detectSynthetic())?.faces.length ?? -1");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DemoSite.ScreenshotDir, "face-synthetic-js.png"), FullPage = true });

        Assert.Equal("done", await page.EvaluateAsync<string>("() => document.body.dataset.state"));
        Assert.False(await page.IsVisibleAsync("#error"), await page.InnerTextAsync("#error") + Describe(console));
        Assert.Equal("js", await page.InnerTextAsync("#stat-backend"));
        Assert.Matches(@"^\d+(\.\d+)? (ms|s)$", await page.InnerTextAsync("#stat-time"));
        Assert.False(await page.IsVisibleAsync("#placeholder"));
        Assert.True(faces >= 0, Describe(console));

        var expected = await CompareWithOnnxRuntime(page, Tolerance.Fp32Js, "js");
        // The page's decoding against an independent one: with plain NMS the first face is the best anchor, decoded.
        var best = BestAnchor(expected);
        Assert.True((best.Score >= 0.5) == (faces > 0), $"best anchor score {best.Score}, page found {faces} face(s)");
        output.WriteLine($"faces on the synthetic image: {faces}; best anchor score {best.Score:F4}");
        // The drawn face is a cartoon, but BlazeFace scores it ~0.93 (ONNX Runtime on the same pixels), far above 0.5.
        Assert.True(faces >= 1, $"no face found on the synthetic image (best anchor score {best.Score})");
        double[] page0 = await page.EvaluateAsync<double[]>(
            "() => { const f = window.faceDemo.state.lastResult.faces[0]; return [f.score, f.xmin, f.ymin, f.xmax, f.ymax, f.keypoints[2].x, f.keypoints[2].y]; }");
        double[] mine = [best.Score, best.XMin, best.YMin, best.XMax, best.YMax, best.NoseX, best.NoseY];
        for (int i = 0; i < mine.Length; i++)
        {
            Assert.True(Math.Abs(page0[i] - mine[i]) <= DecodeTolerance, $"decoded value {i}: page {page0[i]}, expected {mine[i]}");
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Anchor_generation_gives_896_anchors_for_both_models_in_feature_map_order()
    {
        var page = await site.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(site.BaseUri, "face.html").ToString());
        double[] probe = await page.EvaluateAsync<double[]>("""
            async () => {
              const b = await import('./blazeface.js');
              const front = b.generateAnchors(128, b.blazeFaceConfig(128).strides);
              const back = b.generateAnchors(256, b.blazeFaceConfig(256).strides);
              return [front.length / 2, back.length / 2, front[0], front[1], front[2 * 512], front[2 * 512 + 1], front[2 * 895], front[2 * 895 + 1]];
            }
            """);
        // 16x16 cells x 2 anchors, then 8x8 cells x 6 anchors; centres at (i + 0.5) / cells.
        Assert.Equal([896, 896, 0.5 / 16, 0.5 / 16, 0.5 / 8, 0.5 / 8, 7.5 / 8, 7.5 / 8], probe);
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// "auto" (the page's default) passes no backendOrder, so the runtime's own ranking applies: in headless Chromium
    /// WebGPU is SwiftShader, a software adapter, which load() moves below wasm; an explicit [webgpu, wasm, js] order
    /// would have picked it (seconds per frame). Where no WebGPU exists at all wasm is first anyway.
    /// </summary>
    [Fact]
    public async Task Face_page_auto_runs_on_wasm_not_on_a_software_webgpu_adapter_and_matches_onnx_runtime()
    {
        var console = new List<string>();
        var page = await site.Browser.NewPageAsync(line => { lock (console) { console.Add(line); } });
        await page.GotoAsync(new Uri(site.BaseUri, "face.html").ToString());
        Assert.True(await page.EvaluateAsync<bool>("() => window.faceDemo.ready"), Describe(console));
        Assert.Equal("auto", await page.InputValueAsync("#backend"));
        await page.WaitForFunctionAsync("() => ['ready', 'error'].includes(document.body.dataset.state) && window.faceDemo.state.runner",
            null, new PageWaitForFunctionOptions { Timeout = WaitMs });
        Assert.False(await page.IsVisibleAsync("#error"), await page.InnerTextAsync("#error") + Describe(console));
        string[] skipped = await page.EvaluateAsync<string[]>("() => window.faceDemo.state.runner.skipped.map((s) => `${s.backend}: ${s.reason}`)");
        output.WriteLine($"auto picked {await page.InnerTextAsync("#stat-backend")}; not picked: {string.Join("; ", skipped)}");
        Assert.Equal("wasm", await page.InnerTextAsync("#stat-backend"));
        bool hasWebGpu = await page.EvaluateAsync<bool>("async () => (await (await import('./webdnn.mjs')).availableBackends()).includes('webgpu')");
        if (hasWebGpu)
        {
            Assert.Contains(skipped, s => s.StartsWith("webgpu: ", StringComparison.Ordinal) && s.Contains("software fallback", StringComparison.Ordinal));
        }
        int faces = await page.EvaluateAsync<int>("async () => (await window.faceDemo.detectSynthetic())?.faces.length ?? -1");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DemoSite.ScreenshotDir, "face-synthetic-auto.png"), FullPage = true });
        Assert.False(await page.IsVisibleAsync("#error"), await page.InnerTextAsync("#error") + Describe(console));
        Assert.True(faces >= 1, $"no face found on the synthetic image on wasm{Describe(console)}");
        await CompareWithOnnxRuntime(page, Tolerance.Fp32Fast, "wasm");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Speed_page_times_a_model_on_js_and_draws_a_bar()
    {
        var console = new List<string>();
        var page = await site.Browser.NewPageAsync(line => { lock (console) { console.Add(line); } });
        await page.GotoAsync(new Uri(site.BaseUri, "speed.html").ToString());
        Assert.True(await page.EvaluateAsync<bool>("() => window.speedDemo.ready"), Describe(console));
        await page.FillAsync("#runs", "1");
        // Only js: the packages also have wasm and webgpu (SwiftShader here, slow), which the face tests cover.
        await page.EvaluateAsync("() => { for (const b of document.querySelectorAll('#backends input')) b.checked = b.value === 'js'; }");
        await page.ClickAsync("#start");
        await page.WaitForFunctionAsync("() => ['done', 'error'].includes(document.body.dataset.state)", null, new PageWaitForFunctionOptions { Timeout = WaitMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DemoSite.ScreenshotDir, "speed-js.png"), FullPage = true });
        Assert.False(await page.IsVisibleAsync("#error"), await page.InnerTextAsync("#error") + Describe(console));
        string bar = await page.InnerTextAsync(".bar-group[data-model='squeezenet1_1'] .bar-value");
        Assert.EndsWith("per run", bar, StringComparison.Ordinal);
        Assert.Contains("Untrained weights: timing only", await page.InnerTextAsync(".warning"), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Gallery_links_both_pages_and_reports_the_js_backend()
    {
        var console = new List<string>();
        var page = await site.Browser.NewPageAsync(line => { lock (console) { console.Add(line); } });
        await page.GotoAsync(new Uri(site.BaseUri, "index.html").ToString());
        await page.WaitForFunctionAsync("() => ['ready', 'error'].includes(document.body.dataset.state)", null, new PageWaitForFunctionOptions { Timeout = WaitMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DemoSite.ScreenshotDir, "index.png"), FullPage = true });
        Assert.False(await page.IsVisibleAsync("#error"), await page.InnerTextAsync("#error") + Describe(console));
        Assert.Equal("available", await page.InnerTextAsync("#backends tr[data-backend='js'] td:nth-child(3)"));
        Assert.Equal(1, await page.Locator(".card[href='face.html']").CountAsync());
        Assert.Equal(1, await page.Locator(".card[href='speed.html']").CountAsync());
        await page.Context.CloseAsync();
    }

    /// <summary>The raw model outputs the page got against ONNX Runtime on the very input tensor the page built.</summary>
    private async Task<Dictionary<string, Tensor>> CompareWithOnnxRuntime(IPage page, Tolerance tolerance, string backend)
    {
        float[] input = await page.EvaluateAsync<float[]>("() => Array.from(window.faceDemo.state.lastInput)");
        string[] names = await page.EvaluateAsync<string[]>("() => Object.keys(window.faceDemo.state.lastOutputs)");
        var actual = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            int[] shape = await page.EvaluateAsync<int[]>("n => window.faceDemo.state.lastOutputs[n].shape", name);
            float[] data = await page.EvaluateAsync<float[]>("n => Array.from(window.faceDemo.state.lastOutputs[n].data)", name);
            actual[name] = Tensor.FromFloats(shape, data);
        }
        string onnx = await ModelZoo.Default.GetPathAsync("blazeface_front");
        var expected = OrtOracle.Run(onnx, new Dictionary<string, Tensor> { ["input:0"] = Tensor.FromFloats([1, 128, 128, 3], input) });
        Assert.Equal(4, expected.Count);
        var report = TensorComparer.Compare(expected, actual, tolerance);
        output.WriteLine($"BlazeFace front on {backend} vs ONNX Runtime: {report}");
        Assert.True(report.Passed, report.ToString());
        return expected;
    }

    private static string Describe(List<string> console)
    {
        lock (console)
        {
            return console.Count == 0 ? "" : "\nconsole:\n" + string.Join('\n', console);
        }
    }

    private readonly record struct Decoded(double Score, double XMin, double YMin, double XMax, double YMax, double NoseX, double NoseY);

    /// <summary>
    /// The highest-scoring anchor of BlazeFace front, decoded as MediaPipe's TensorsToDetectionsCalculator does
    /// (written here separately from the page's blazeface.js): anchors are the centres of a 16x16 grid (2 per cell)
    /// followed by an 8x8 grid (6 per cell); offsets are in input pixels (128).
    /// </summary>
    private static Decoded BestAnchor(Dictionary<string, Tensor> outputs)
    {
        var scores = outputs.Values.Where(t => t.Shape[^1] == 1).OrderByDescending(t => t.Shape[1]).SelectMany(t => t.Floats).ToArray();
        var boxes = outputs.Values.Where(t => t.Shape[^1] == 16).OrderByDescending(t => t.Shape[1]).SelectMany(t => t.Floats).ToArray();
        Assert.Equal(896, scores.Length);
        var anchors = new List<(double X, double Y)>();
        foreach (var (cells, perCell) in new[] { (16, 2), (8, 6) })
        {
            for (int y = 0; y < cells; y++)
            {
                for (int x = 0; x < cells; x++)
                {
                    for (int k = 0; k < perCell; k++)
                    {
                        anchors.Add(((x + 0.5) / cells, (y + 0.5) / cells));
                    }
                }
            }
        }
        int best = Array.IndexOf(scores, scores.Max());
        var (ax, ay) = anchors[best];
        double Px(int j) => boxes[(best * 16) + j] / 128.0;
        double cx = Px(0) + ax, cy = Px(1) + ay, w = Px(2), h = Px(3);
        double score = 1 / (1 + Math.Exp(-Math.Clamp(scores[best], -100, 100)));
        return new Decoded(score, cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2), Px(8) + ax, Px(9) + ay);
    }
}
