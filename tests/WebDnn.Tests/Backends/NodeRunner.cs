using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Backends.Common;

namespace WebDnn.Tests.Backends;

/// <summary>A tensor crossing the Node boundary: ONNX dtype short name, shape, raw little-endian bytes.</summary>
public sealed record RawTensor(string Dtype, int[] Shape, byte[] Data)
{
    public double[] ToDoubles() => Dtype switch
    {
        "f32" => Array.ConvertAll(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Data).ToArray(), v => (double)v),
        "i32" => Array.ConvertAll(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(Data).ToArray(), v => (double)v),
        "i64" => Array.ConvertAll(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(Data).ToArray(), v => (double)v),
        "bool" or "u8" => Array.ConvertAll(Data, v => (double)v),
        _ => throw new NotSupportedException(Dtype),
    };
}

/// <summary>Result of running a package in Node through the bundled webdnn.mjs.</summary>
public sealed record NodeResult(bool Ok, string? Error, string? Backend, Dictionary<string, RawTensor> Outputs, List<double> Progress);

/// <summary>Runs a model package in Node (v20+) through the bundled runtime and a small driver script.</summary>
public static class NodeRunner
{
    private const string Driver = """
        import { readFileSync, writeFileSync } from 'node:fs';
        import { pathToFileURL } from 'node:url';
        const [runtime, pkg, reqPath, outPath] = process.argv.slice(2);
        const webdnn = await import(pathToFileURL(runtime).href);
        const { load } = webdnn;
        /*SETUP*/
        const req = JSON.parse(readFileSync(reqPath, 'utf8'));
        const ctors = { f32: Float32Array, i32: Int32Array, i64: BigInt64Array, bool: Uint8Array, u8: Uint8Array, f64: Float64Array, f16: Uint16Array };
        const enc = (t) => ({ dtype: t.dtype, shape: t.shape, b64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') });
        const progress = [];
        let result;
        try {
          // 'fetch:DIR' → a PackageSource reading DIR; 'blob:FILE' → a Blob of FILE; *.tar, *.tgz → the packed bytes; else a path.
          const source = pkg.startsWith('fetch:') ? { fetch: async (f) => readFileSync(pkg.slice(6) + '/' + f) }
            : pkg.startsWith('blob:') ? new Blob([readFileSync(pkg.slice(5))])
            : /\.(tar|tgz)$/.test(pkg) ? readFileSync(pkg) : pkg;
          const runner = await load(source, { backendOrder: req.backendOrder, onProgress: (l, t) => progress.push(t ? l / t : 1), ...req.options });
          const inputs = {};
          for (const [name, t] of Object.entries(req.inputs)) {
            const b = Buffer.from(t.b64, 'base64');
            const data = new ctors[t.dtype](b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
            inputs[name] = t.shape ? { data, shape: t.shape } : data;
          }
          const out = await runner.run(inputs);
          result = { ok: true, backend: runner.backend, outputs: Object.fromEntries(Object.entries(out).map(([n, t]) => [n, enc(t)])) };
          runner.dispose();
        } catch (e) {
          result = { ok: false, error: String(e && e.message || e) };
        }
        result.progress = progress;
        writeFileSync(outPath, JSON.stringify(result));
        """;

    /// <summary>Loads <paramref name="packageDir"/> with <paramref name="backendOrder"/> (default order when null) and runs it on <paramref name="inputs"/>.</summary>
    /// <param name="packageDir">The package folder (or its model.json), a packed package (*.tar, *.tgz), <c>blob:FILE</c> (a Blob of a packed
    /// package) or <c>fetch:DIR</c> (a PackageSource reading DIR).</param>
    /// <param name="inputs">Inputs by name.</param>
    /// <param name="backendOrder">load()'s backendOrder.</param>
    /// <param name="setup">JavaScript run after the runtime is imported (as <c>webdnn</c>), e.g. to register a test backend.</param>
    /// <param name="nodeFlags">Flags for node itself (e.g. <c>--experimental-wasm-relaxed-simd</c>, which Node 20 needs).</param>
    /// <param name="environment">Extra environment variables of the Node process.</param>
    /// <param name="loadOptions">More load() options, as a JSON object (e.g. <c>{"wasmThreads":3}</c>).</param>
    public static NodeResult Run(string packageDir, IReadOnlyDictionary<string, RawTensor> inputs, string[]? backendOrder = null, string? setup = null,
        string[]? nodeFlags = null, IReadOnlyDictionary<string, string>? environment = null, string? loadOptions = null)
    {
        string work = Path.Combine(Path.GetTempPath(), "webdnn-node-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            string runtime = RuntimeAssets.CopyRuntimeTo(work);
            File.WriteAllText(Path.Combine(work, "driver.mjs"), Driver.Replace("/*SETUP*/", setup ?? "", StringComparison.Ordinal));
            var req = new JsonObject
            {
                ["backendOrder"] = backendOrder is null ? null : new JsonArray(backendOrder.Select(b => (JsonNode)b).ToArray()),
                ["options"] = loadOptions is null ? null : JsonNode.Parse(loadOptions),
                ["inputs"] = new JsonObject(inputs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject
                {
                    ["dtype"] = kv.Value.Dtype,
                    ["shape"] = new JsonArray(kv.Value.Shape.Select(d => (JsonNode)d).ToArray()),
                    ["b64"] = Convert.ToBase64String(kv.Value.Data),
                }))),
            };
            File.WriteAllText(Path.Combine(work, "req.json"), req.ToJsonString());
            string outPath = Path.Combine(work, "out.json");
            var psi = new ProcessStartInfo("node", [.. nodeFlags ?? [], Path.Combine(work, "driver.mjs"), runtime, packageDir, Path.Combine(work, "req.json"), outPath])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            {
                psi.Environment[k] = v;
            }
            using var proc = Process.Start(psi)!;
            // read both pipes while waiting, so that the time limit holds even when node hangs
            var stderrTask = proc.StandardError.ReadToEndAsync();
            var stdoutTask = proc.StandardOutput.ReadToEndAsync();
            if (!proc.WaitForExit(120_000))
            {
                proc.Kill(entireProcessTree: true);
                throw new TimeoutException("node did not finish in 120 s");
            }
            string stderr = stderrTask.Result;
            _ = stdoutTask.Result;
            if (!File.Exists(outPath))
            {
                throw new InvalidOperationException($"node driver failed (exit {proc.ExitCode}): {stderr}");
            }
            var json = JsonNode.Parse(File.ReadAllText(outPath))!;
            var outputs = new Dictionary<string, RawTensor>();
            if (json["outputs"] is JsonObject outs)
            {
                foreach (var (name, t) in outs)
                {
                    outputs[name] = new RawTensor(t!["dtype"]!.GetValue<string>(), t["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray(),
                        Convert.FromBase64String(t["b64"]!.GetValue<string>()));
                }
            }
            var progress = json["progress"]!.AsArray().Select(p => p!.GetValue<double>()).ToList();
            return new NodeResult(json["ok"]!.GetValue<bool>(), json["error"]?.GetValue<string>(), json["backend"]?.GetValue<string>(), outputs, progress);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
