using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tooling.Packages;

/// <summary>One input of a batch item: a raw little-endian file next to the package, fed as <paramref name="Dtype"/>'s typed array.</summary>
public sealed record BatchInput(string Name, string Dtype, int[] Shape, string File);

/// <summary>One package to run: its URL path under the served root (e.g. "/cases/test_abs/") and its inputs.</summary>
public sealed record BatchItem(string Id, string Url, IReadOnlyList<BatchInput> Inputs);

/// <summary>
/// The outputs of one batch item (by name, in the order the runtime returned them), or why it failed.
/// <paramref name="LoadMs"/> is the time of <c>load()</c> (fetch, hash check, kernel import), <paramref name="RunMs"/> of one <c>run()</c>.
/// </summary>
public sealed record BatchResult(string Id, IReadOnlyDictionary<string, Tensor>? Outputs, string? Error, double LoadMs, double RunMs, string? Backend)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Runs many packages in one headless Chromium page: one <see cref="StaticServer"/> serves a root folder that holds
/// every package (plus webdnn.mjs), and each batch is one <c>page.evaluate</c> loop of load → run → dispose, so the
/// browser start and the page set-up are paid once. Used by the browser tests (ONNX node tests, models).
/// A batch that hangs or crashes the page is re-run item by item on a fresh page, so one bad package costs only itself.
/// </summary>
public sealed class BrowserBatchRunner : IAsyncDisposable
{
    private const string BatchScript = """
        async ({ backend, items }) => {
          const { load } = await import('/webdnn.mjs');
          const ctors = { f32: Float32Array, f64: Float64Array, i32: Int32Array, i64: BigInt64Array, u64: BigUint64Array,
                          u32: Uint32Array, i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array, bool: Uint8Array,
                          f16: Uint16Array };
          const b64 = (data) => {
            const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
            let bin = '';
            for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
            return btoa(bin);
          };
          const results = [];
          for (const it of items) {
            const r = { id: it.id, loadMs: 0, runMs: 0 };
            let runner;
            try {
              const feeds = {};
              for (const inp of it.inputs) {
                const res = await fetch(it.url + inp.file);
                if (!res.ok) throw new Error('input ' + inp.file + ': HTTP ' + res.status);
                feeds[inp.name] = { data: new ctors[inp.dtype](await res.arrayBuffer()), shape: inp.shape };
              }
              const t0 = performance.now();
              runner = await load(it.url, { backendOrder: [backend] });
              r.loadMs = performance.now() - t0;
              r.backend = runner.backend;
              const t1 = performance.now();
              const out = await runner.run(feeds);
              r.runMs = performance.now() - t1;
              r.outputs = Object.entries(out).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, b64: b64(t.data) }));
            } catch (e) {
              r.error = String((e && e.message) || e);
            } finally {
              try { runner?.dispose(); } catch { /* already failed */ }
            }
            results.push(r);
          }
          return JSON.stringify(results);
        }
        """;

    private readonly StaticServer _server;
    private readonly HeadlessBrowser _browser;
    private readonly Uri _baseUri;
    private readonly List<string> _console = [];
    private IPage? _page;

    private BrowserBatchRunner(StaticServer server, HeadlessBrowser browser, Uri baseUri)
    {
        _server = server;
        _browser = browser;
        _baseUri = baseUri;
    }

    /// <summary>The browser's version line.</summary>
    public string BrowserVersion => _browser.Version;

    /// <summary>The folder served at "/".</summary>
    public required string Root { get; init; }

    /// <summary>Serves <paramref name="root"/> (plus /webdnn.mjs) and launches headless Chromium.</summary>
    public static async Task<BrowserBatchRunner> StartAsync(string root, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(root);
        var server = new StaticServer(root);
        server.AddFile("/webdnn.mjs", Encoding.UTF8.GetBytes(RuntimeAssets.RuntimeText()), "text/javascript");
        server.AddFile("/__batch.html", "<!doctype html><meta charset=utf-8><title>webdnn batch</title>"u8.ToArray(), "text/html");
        try
        {
            var baseUri = server.Start();
            var browser = await HeadlessBrowser.LaunchAsync(progress, cancellation: ct).ConfigureAwait(false);
            return new BrowserBatchRunner(server, browser, baseUri) { Root = Path.GetFullPath(root) };
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="items"/> on <paramref name="backend"/>, <paramref name="batchSize"/> per page.evaluate.
    /// A batch that takes longer than <paramref name="batchTimeout"/> or crashes the page is retried one item at a time,
    /// each with <paramref name="itemTimeout"/>.
    /// </summary>
    public async Task<IReadOnlyList<BatchResult>> RunAsync(IReadOnlyList<BatchItem> items, string backend, int batchSize, TimeSpan batchTimeout,
        TimeSpan itemTimeout, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var results = new List<BatchResult>(items.Count);
        for (int start = 0; start < items.Count; start += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = items.Skip(start).Take(batchSize).ToList();
            var (got, error) = await EvaluateAsync(batch, backend, batchTimeout).ConfigureAwait(false);
            if (got is not null)
            {
                results.AddRange(got);
            }
            else if (batch.Count == 1)
            {
                results.Add(new BatchResult(batch[0].Id, null, error, 0, 0, null));
            }
            else
            {
                progress?.Report($"batch at {start} failed ({error}); retrying its {batch.Count} items one by one");
                foreach (var item in batch)
                {
                    var (one, oneError) = await EvaluateAsync([item], backend, itemTimeout).ConfigureAwait(false);
                    results.Add(one is not null ? one[0] : new BatchResult(item.Id, null, oneError, 0, 0, null));
                }
            }
            progress?.Report($"{Math.Min(start + batchSize, items.Count)} of {items.Count} run");
        }
        return results;
    }

    /// <summary>Runs one package (a batch of one) with <paramref name="timeout"/>.</summary>
    public async Task<BatchResult> RunOneAsync(BatchItem item, string backend, TimeSpan timeout)
    {
        var (got, error) = await EvaluateAsync([item], backend, timeout).ConfigureAwait(false);
        return got is not null ? got[0] : new BatchResult(item.Id, null, error, 0, 0, null);
    }

    /// <summary>
    /// Writes <paramref name="inputs"/> as raw files into <paramref name="packageDir"/> (which must lie under the served
    /// <paramref name="root"/>) and returns the item that feeds them to the package. f16/bf16 inputs travel as f32
    /// (the runtime takes Float32Array for them).
    /// </summary>
    public static BatchItem Prepare(string root, string id, string packageDir, IEnumerable<KeyValuePair<string, Tensor>> inputs)
    {
        string full = Path.GetFullPath(packageDir);
        root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{packageDir}' is not under the served root '{root}'", nameof(packageDir));
        }
        string url = "/" + Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/').Trim('/') + "/";
        return new BatchItem(id, url, WriteInputs(full, inputs));
    }

    /// <summary>Writes input files __in{i}.bin into <paramref name="dir"/>; see <see cref="Prepare"/>.</summary>
    public static List<BatchInput> WriteInputs(string dir, IEnumerable<KeyValuePair<string, Tensor>> inputs)
    {
        var list = new List<BatchInput>();
        int k = 0;
        foreach (var (name, t0) in inputs)
        {
            // f16 travels as its half bits (a Uint16Array); bf16 as f32 values (runtime/src/tensor.ts).
            var t = t0.DataType is DataType.BFloat16 ? new Tensor(DataType.Float32, t0.Shape, t0.ToFloats()) : t0;
            if (t.DataType == DataType.String)
            {
                throw new UnsupportedModelException($"input '{name}' is a string tensor (not supported in the browser)");
            }
            string file = $"__in{k++}.bin";
            File.WriteAllBytes(Path.Combine(dir, file), t.ToBytes());
            list.Add(new BatchInput(name, t.DataType.ShortName(), t.Shape, file));
        }
        return list;
    }

    private async Task<IPage> PageAsync()
    {
        if (_page is { IsClosed: false })
        {
            return _page;
        }
        lock (_console)
        {
            _console.Clear();
        }
        _page = await _browser.NewPageAsync(line =>
        {
            if (line.StartsWith("[error]", StringComparison.Ordinal) || line.StartsWith("[pageerror]", StringComparison.Ordinal))
            {
                lock (_console)
                {
                    if (_console.Count < 20)
                    {
                        _console.Add(line);
                    }
                }
            }
        }).ConfigureAwait(false);
        _page.SetDefaultTimeout(60_000);
        await _page.GotoAsync(new Uri(_baseUri, "__batch.html").ToString()).ConfigureAwait(false);
        return _page;
    }

    private async Task DropPageAsync()
    {
        var page = _page;
        _page = null;
        if (page is null)
        {
            return;
        }
        try
        {
            var close = page.Context.CloseAsync();
            await Task.WhenAny(close, Task.Delay(TimeSpan.FromSeconds(20))).ConfigureAwait(false);
        }
        catch (PlaywrightException)
        {
            // The page already crashed or went away.
        }
    }

    private async Task<(List<BatchResult>? Results, string? Error)> EvaluateAsync(List<BatchItem> batch, string backend, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        string json;
        try
        {
            var page = await PageAsync().ConfigureAwait(false);
            var arg = new
            {
                backend,
                items = batch.Select(i => new
                {
                    id = i.Id,
                    url = i.Url,
                    inputs = i.Inputs.Select(x => new { name = x.Name, dtype = x.Dtype, shape = x.Shape, file = x.File }).ToArray(),
                }).ToArray(),
            };
            var task = page.EvaluateAsync<string>(BatchScript, arg);
            if (await Task.WhenAny(task, Task.Delay(timeout)).ConfigureAwait(false) != task)
            {
                _ = task.ContinueWith(t => t.Exception, TaskScheduler.Default);
                await DropPageAsync().ConfigureAwait(false);
                return (null, $"timed out after {timeout.TotalSeconds:0} s");
            }
            json = await task.ConfigureAwait(false);
        }
        catch (PlaywrightException e)
        {
            string console;
            lock (_console)
            {
                console = _console.Count > 0 ? " | " + string.Join(" | ", _console) : "";
            }
            await DropPageAsync().ConfigureAwait(false);
            return (null, $"page failed after {sw.Elapsed.TotalSeconds:0.0} s: {e.Message.Split('\n')[0]}{console}");
        }
        return (Decode(json), null);
    }

    private static List<BatchResult> Decode(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<BatchResult>();
        foreach (var r in doc.RootElement.EnumerateArray())
        {
            string id = r.GetProperty("id").GetString()!;
            double loadMs = r.GetProperty("loadMs").GetDouble(), runMs = r.GetProperty("runMs").GetDouble();
            string? backend = r.TryGetProperty("backend", out var b) ? b.GetString() : null;
            if (r.TryGetProperty("error", out var err))
            {
                list.Add(new BatchResult(id, null, err.GetString() ?? "error", loadMs, runMs, backend));
                continue;
            }
            var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            string? decodeError = null;
            foreach (var o in r.GetProperty("outputs").EnumerateArray())
            {
                string name = o.GetProperty("name").GetString()!;
                var shape = o.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var bytes = Convert.FromBase64String(o.GetProperty("b64").GetString()!);
                var dt = DataTypes.FromShortName(o.GetProperty("dtype").GetString()!);
                try
                {
                    // f16 comes back as half bits (Float16Array or Uint16Array), bf16 as Float32Array (runtime/src/tensor.ts).
                    outputs[name] = dt is DataType.BFloat16 ? Tensor.FromBytes(DataType.Float32, shape, bytes) : Tensor.FromBytes(dt, shape, bytes);
                }
                catch (WebDnnException e)
                {
                    decodeError ??= $"output '{name}': {e.Message}";
                }
            }
            list.Add(decodeError is null ? new BatchResult(id, outputs, null, loadMs, runMs, backend) : new BatchResult(id, null, decodeError, loadMs, runMs, backend));
        }
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DropPageAsync().ConfigureAwait(false);
            await _browser.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
        }
    }
}
