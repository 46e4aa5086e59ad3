using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tooling.Packages;

/// <summary>Outputs and timings of running a package in the browser.</summary>
/// <param name="Outputs">Each output by name, in its manifest dtype.</param>
/// <param name="LoadMs">Fetch + compile + first run.</param>
/// <param name="RunMs">Each timed run after the first.</param>
/// <param name="Backend">The backend that ran.</param>
/// <param name="KernelMs">Profile mode: per timed run (the first run when there were none), each kernel's ms by manifest index; else empty.</param>
/// <param name="ProfileUnavailable">Profile mode: why the backend could not time its kernels here (then <paramref name="KernelMs"/> is empty).</param>
public sealed record PackageRunResult(Dictionary<string, Tensor> Outputs, double LoadMs, IReadOnlyList<double> RunMs, string Backend,
    IReadOnlyList<double[]>? KernelMs = null, string? ProfileUnavailable = null)
{
    public double MedianMs => Median(RunMs);

    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0)
        {
            return double.NaN;
        }
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

/// <summary>
/// Runs a compiled package through webdnn.mjs in headless Chromium (served from http://127.0.0.1 with COOP/COEP):
/// used by `webdnn run`, `webdnn verify --backends js` and the browser tests. Inputs travel as raw bytes,
/// outputs come back base64-encoded and are decoded with their manifest dtype.
/// </summary>
public static partial class BrowserPackageRunner
{
    [System.Text.RegularExpressions.GeneratedRegex(@"webdnn: (input '|missing input '|unknown input)")]
    private static partial System.Text.RegularExpressions.Regex InputErrorRegex();

    // The runtime's integrity and format checks (runtime/src/weights.ts, resource.ts, pack.ts, session.ts): the package
    // is invalid input (exit 3), like a malformed model, not a bug of ours.
    [System.Text.RegularExpressions.GeneratedRegex(@"webdnn: (\S.* is (corrupted|truncated)\b|invalid manifest|package format|model\.json of .* is not valid JSON|cannot fetch |cannot read |packed package|not a packed model package)")]
    private static partial System.Text.RegularExpressions.Regex PackageErrorRegex();

    private const string RunScript = """
        async ({ backend, inputs, runs, profile, threads }) => {
          const { load } = await import('/webdnn.mjs');
          const ctors = { f32: Float32Array, f64: Float64Array, i32: Int32Array, i64: BigInt64Array, u64: BigUint64Array,
                          u32: Uint32Array, i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array, bool: Uint8Array,
                          f16: Uint16Array };
          const t0 = performance.now();
          const runner = await load('/', threads > 1 ? { backendOrder: [backend], profile, wasmThreads: threads } : { backendOrder: [backend], profile });
          const kernelMs = [];
          let profileError = null;
          const sample = () => {
            if (!profile || profileError !== null) return;
            try {
              kernelMs.push(runner.kernelTimes().map((k) => k.ms));
            } catch (e) {
              profileError = e.message;
            }
          };
          const feeds = {};
          for (const inp of inputs) {
            const buf = await (await fetch('/__inputs/' + inp.file)).arrayBuffer();
            feeds[inp.name] = { data: new ctors[inp.dtype](buf), shape: inp.shape };
          }
          let out = await runner.run(feeds);
          const loadMs = performance.now() - t0;
          await globalThis.__webdnnProgress(`loaded on '${runner.backend}', first run done: ${loadMs.toFixed(1)} ms (fetch + compile + first run)`);
          if (runs === 0) sample();
          const times = [];
          for (let i = 0; i < runs; i++) {
            const s = performance.now();
            out = await runner.run(feeds);
            times.push(performance.now() - s);
            sample();
            await globalThis.__webdnnProgress(`run ${i + 1}/${runs}: ${times[i].toFixed(1)} ms`);
          }
          const outputs = {};
          for (const [name, t] of Object.entries(out)) {
            const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
            let bin = '';
            for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
            outputs[name] = { shape: t.shape, b64: btoa(bin) };
          }
          const used = runner.backend;
          runner.dispose();
          return JSON.stringify({ loadMs, times, outputs, backend: used, kernelMs, profileError });
        }
        """;

    /// <summary>
    /// Runs <paramref name="packageDir"/> on <paramref name="backend"/>: the first run, then <paramref name="runs"/> timed
    /// ones; with <paramref name="profile"/> the runtime's profile mode times each kernel of each run (<see cref="PackageRunResult.KernelMs"/>);
    /// <paramref name="threads"/> &gt; 1 asks for that many wasm threads (<c>wasmThreads</c>; the page is cross-origin isolated).
    /// </summary>
    public static async Task<PackageRunResult> RunAsync(string packageDir, IReadOnlyDictionary<string, Tensor> inputs, string backend, int runs = 0,
        IProgress<string>? progress = null, bool profile = false, int threads = 1, CancellationToken ct = default)
    {
        var manifest = PackageWriter.ReadManifest(packageDir);
        using var server = new StaticServer(packageDir);
        server.AddFile("/webdnn.mjs", System.Text.Encoding.UTF8.GetBytes(RuntimeAssets.RuntimeText()), "text/javascript");
        server.AddFile("/__run.html", "<!doctype html><meta charset=utf-8><title>webdnn run</title>"u8.ToArray(), "text/html");
        // NOTE: without one, Chromium's favicon request 404s and logs "Failed to load resource" next to real errors.
        server.AddFile("/favicon.ico", [], "image/x-icon");
        var specs = new List<object>();
        int k = 0;
        foreach (var io in manifest.Inputs)
        {
            if (!inputs.TryGetValue(io.Name, out var t))
            {
                throw new UsageException($"missing input '{io.Name}' ({io.Dtype}[{string.Join(",", io.Shape)}])");
            }
            string file = $"in{k++}.bin";
            // f16 travels as its half bits (a Uint16Array); bf16 as f32 values (runtime/src/tensor.ts).
            t = t.DataType == DataType.BFloat16 ? new Tensor(DataType.Float32, t.Shape, t.ToFloats()) : t;
            server.AddFile("/__inputs/" + file, t.ToBytes(), "application/octet-stream");
            specs.Add(new { name = io.Name, dtype = t.DataType.ShortName(), shape = t.Shape, file });
        }
        var baseUri = server.Start();
        await using var browser = await HeadlessBrowser.LaunchAsync(progress, cancellation: ct).ConfigureAwait(false);
        var errors = new List<string>();
        var page = await browser.NewPageAsync(line =>
        {
            if (line.StartsWith("[error]", StringComparison.Ordinal) || line.StartsWith("[pageerror]", StringComparison.Ordinal))
            {
                errors.Add(line);
            }
        }).ConfigureAwait(false);
        page.SetDefaultTimeout(30 * 60 * 1000);
        await page.ExposeFunctionAsync("__webdnnProgress", (string line) => progress?.Report(line)).ConfigureAwait(false);
        await page.GotoAsync(new Uri(baseUri, "__run.html").ToString()).ConfigureAwait(false);
        progress?.Report($"running on '{backend}' in {browser.Version.Split(' ').Take(2).Aggregate((a, b) => a + " " + b)}");
        string json;
        try
        {
            json = await page.EvaluateAsync<string>(RunScript, new { backend, inputs = specs, runs, profile, threads }).ConfigureAwait(false);
        }
        catch (Microsoft.Playwright.PlaywrightException e)
        {
            string msg = e.Message.Split('\n')[0];
            // "Failed to load resource" lines only repeat what the runtime's own error says (it names the URL).
            var extra = errors.Where(l => !l.Contains("Failed to load resource", StringComparison.Ordinal)).ToList();
            string text = $"the package failed in the browser: {msg}{(extra.Count > 0 ? "\n" + string.Join("\n", extra) : "")}";
            // The runtime's input checks ("webdnn: input 'x' has shape …") are the caller's mistake, not ours.
            throw InputErrorRegex().IsMatch(msg) ? new UsageException(text)
                : PackageErrorRegex().IsMatch(msg) ? new InvalidModelException(text, e)
                : new WebDnnException(ExitCodes.Internal, text, e);
        }
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var io in manifest.Outputs)
        {
            var o = root.GetProperty("outputs").GetProperty(io.Name);
            var shape = o.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var bytes = Convert.FromBase64String(o.GetProperty("b64").GetString()!);
            var dt = DataTypes.FromShortName(io.Dtype);
            // f16 comes back as half bits (Float16Array or Uint16Array), bf16 as Float32Array (see runtime/src/tensor.ts).
            var t = dt is DataType.BFloat16 ? Tensor.FromBytes(DataType.Float32, shape, bytes) : Tensor.FromBytes(dt, shape, bytes);
            outputs[io.Name] = t;
        }
        var times = root.GetProperty("times").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var kernelMs = root.GetProperty("kernelMs").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToList();
        string? unavailable = root.GetProperty("profileError").ValueKind == JsonValueKind.String ? root.GetProperty("profileError").GetString() : null;
        return new PackageRunResult(outputs, root.GetProperty("loadMs").GetDouble(), times, root.GetProperty("backend").GetString()!, kernelMs, unavailable);
    }

    /// <summary>Compiles <paramref name="modelPath"/> into a temporary package, runs it, deletes the package.</summary>
    public static async Task<PackageRunResult> CompileAndRunAsync(string modelPath, CompileSettings settings, IReadOnlyDictionary<string, Tensor> inputs,
        string backend, int runs = 0, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var shapes = new Dictionary<string, long[]>(settings.Shapes, StringComparer.Ordinal);
        foreach (var kv in inputs)
        {
            shapes.TryAdd(kv.Key, kv.Value.Shape.Select(d => (long)d).ToArray());
        }
        var compiled = ModelCompiler.Compile(modelPath, settings with { Shapes = shapes });
        string dir = Path.Combine(Path.GetTempPath(), "webdnn-run-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            PackageWriter.Write(compiled.Program!, dir, [backend], progress);
            return await RunAsync(dir, inputs, backend, runs, progress, ct: ct).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
