using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Lowering;
using WebDnn.Onnx;
using WebDnn.Tooling.Browser;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tooling.Bench;

/// <summary>
/// <c>webdnn bench</c>: compiles the model, then in ONE headless Chromium page runs our package, onnxruntime-web on the
/// original ONNX file and TensorFlow.js on our optimized graph (<see cref="TfjsGraphExporter"/>), on the same input,
/// alternating the engines run by run (DESIGN.md "Measuring performance"). Every engine's outputs are checked
/// against native ONNX Runtime and against ours.
/// </summary>
public static class BenchRunner
{
    /// <summary>Outputs are checked with the tolerance of fast f32 kernels (FMA, Winograd, GPU transcendental approximations).</summary>
    public static Tolerance OutputTolerance => Tolerance.Fp32Fast;

    public static async Task<BenchResult> RunAsync(BenchOptions options, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        if (!File.Exists(options.ModelPath))
        {
            throw new UsageException($"'{options.ModelPath}' does not exist; pass the path of an .onnx (or .onnx.gz) file");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(options.Timeout);
        var ct = timeout.Token;

        string model = ModelName(options.ModelPath);
        string work = Path.Combine(SharedData.CacheDir, "bench-work", $"{model}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var prep = await PrepareAsync(options, work, new PageUrls("/model/", "/runtime/", "/peers/"), installPeers: true, progress, ct).ConfigureAwait(false);
            var (specs, config, engines, outputNames, expected, oracleError, graphNote, peersDir, runtime) =
                (prep.Specs, prep.Config, prep.Engines, prep.OutputNames, prep.Expected, prep.OracleError, prep.GraphNote, prep.PeersDir, prep.Runtime);
            using var server = new StaticServer();
            server.Mount("/", Path.Combine(BenchAssets.Root, "page"));
            server.Mount("/model/", work);
            if (peersDir is not null)
            {
                server.Mount("/peers/", Path.Combine(peersDir, "node_modules"));
            }
            if (runtime is not null)
            {
                server.Mount("/runtime/", Path.GetDirectoryName(Path.GetFullPath(runtime))!);
            }
            var baseUri = server.Start();

            progress?.Report("starting headless Chromium");
            await using var browser = await HeadlessBrowser.LaunchAsync(progress, cancellation: ct).ConfigureAwait(false);
            var console = new List<string>();
            var page = await browser.NewPageAsync(m =>
            {
                lock (console)
                {
                    console.Add(m);
                }
            }).ConfigureAwait(false);
            await page.ExposeFunctionAsync("benchProgress", (string s) => progress?.Report($"{model}: {s}")).ConfigureAwait(false);
            await page.GotoAsync(new Uri(baseUri, "bench.html").ToString()).ConfigureAwait(false);
            await page.WaitForFunctionAsync("() => window.benchReady === true").ConfigureAwait(false);
            string raw;
            try
            {
                raw = await page.EvaluateAsync<string>("cfg => window.runBench(JSON.parse(cfg)).then(r => JSON.stringify(r))", config.ToJsonString()).WaitAsync(ct).ConfigureAwait(false);
            }
            catch (PlaywrightException e)
            {
                string log;
                lock (console)
                {
                    log = string.Join("\n", console.TakeLast(20));
                }
                throw new WebDnnException(ExitCodes.Internal, $"the bench page failed: {e.Message}\n{log}", e);
            }
            using var doc = JsonDocument.Parse(raw);
            var result = Assemble(options, model, specs, browser.Version, doc.RootElement, engines, outputNames, expected, oracleError, graphNote);
            if (options.JsonPath is { } jsonPath)
            {
                string? dir = Path.GetDirectoryName(Path.GetFullPath(jsonPath));
                if (dir is not null)
                {
                    Directory.CreateDirectory(dir);
                }
                await File.WriteAllTextAsync(jsonPath, result.ToJson(), ct).ConfigureAwait(false);
            }
            return result;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new WebDnnException(ExitCodes.Internal, $"the benchmark of {model} did not finish within {options.Timeout.TotalMinutes:0} minutes; try fewer --runs or fewer --backends");
        }
        finally
        {
            if (!options.KeepWorkDir)
            {
                TryDelete(work);
            }
            else
            {
                progress?.Report($"work folder kept: {work}");
            }
        }
    }

    /// <summary>
    /// <c>webdnn bench --engine node --node-dir DIR</c>, step 1: prepares DIR for bench/node/bench-node.mjs, which runs the
    /// same engines as the Chromium page (bench/page/bench.js) in one Node.js process with Dawn's <c>navigator.gpu</c>, so
    /// the comparison runs on a machine with a real GPU and no .NET. Returns the command to run there.
    /// </summary>
    public static async Task<string> PrepareNodeAsync(BenchOptions options, string dir, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        if (!File.Exists(options.ModelPath))
        {
            throw new UsageException($"'{options.ModelPath}' does not exist; pass the path of an .onnx (or .onnx.gz) file");
        }
        Directory.CreateDirectory(dir);
        // Node imports absolute paths as file URLs: the peers are where .webgpu-node/on-device.sh unpacks them.
        var prep = await PrepareAsync(options, dir, new PageUrls("", "", "/node_modules/"), installPeers: false, progress, ct).ConfigureAwait(false);
        if (prep.Runtime is { } runtime)
        {
            File.Copy(runtime, Path.Combine(dir, Path.GetFileName(runtime)), overwrite: true);
        }
        foreach (var f in new[] { "page/bench.js", "page/tfjs-graph.js", "node/bench-node.mjs" })
        {
            File.Copy(Path.Combine(BenchAssets.Root, f), Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "config.json"), prep.Config.ToJsonString(), ct).ConfigureAwait(false);
        return $"node {Path.Combine(dir, "bench-node.mjs")} {dir}   (writes {Path.Combine(dir, "page.json")}; then: webdnn bench {options.ModelPath} --engine node --node-dir {dir} --assemble)";
    }

    /// <summary>
    /// <c>webdnn bench --engine node --node-dir DIR --assemble</c>, step 2: reads DIR/page.json (written by bench-node.mjs)
    /// and builds the same result as the Chromium bench, checking every engine's outputs against native ONNX Runtime.
    /// </summary>
    public static async Task<BenchResult> AssembleNodeAsync(BenchOptions options, string dir, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        string configPath = Path.Combine(dir, "config.json"), pagePath = Path.Combine(dir, "page.json");
        if (!File.Exists(configPath) || !File.Exists(pagePath))
        {
            throw new UsageException($"'{dir}' has no config.json and page.json; prepare it with --engine node --node-dir DIR and run bench-node.mjs there first");
        }
        var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, ct).ConfigureAwait(false))!.AsObject();
        var engines = config["engines"]!.AsArray().Select(e => (e!["id"]!.GetValue<string>(), e["engine"]!.GetValue<string>(), e["backend"]!.GetValue<string>(), e["phase"]!.GetValue<string>())).ToList();
        var outputNames = config["outputs"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        string graphNote = config["graphNote"]?.GetValue<string>() ?? "";
        var graph = OnnxImporter.Load(await File.ReadAllBytesAsync(Path.Combine(dir, "model.onnx"), ct).ConfigureAwait(false), dir, "model.onnx");
        var specs = InputSpecs(graph, options);
        var inputs = SeededInputs.Create(specs);
        progress?.Report("computing the expected outputs with native ONNX Runtime");
        Dictionary<string, Tensor>? expected = null;
        string? oracleError = null;
        try
        {
            expected = OrtOracle.Run(Path.Combine(dir, "model.onnx"), inputs);
        }
        catch (WebDnnException e)
        {
            oracleError = e.Message;
        }
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(pagePath, ct).ConfigureAwait(false));
        var page = doc.RootElement;
        string host = page.TryGetProperty("userAgent", out var ua) ? ua.GetString() ?? "Node.js" : "Node.js";
        var result = Assemble(options, ModelName(options.ModelPath), specs, host, page, engines, outputNames, expected, oracleError, graphNote);
        if (options.JsonPath is { } jsonPath)
        {
            string? parent = Path.GetDirectoryName(Path.GetFullPath(jsonPath));
            if (parent is not null)
            {
                Directory.CreateDirectory(parent);
            }
            await File.WriteAllTextAsync(jsonPath, result.ToJson(), ct).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>URL prefixes the bench page reads from: the model folder, our runtime's folder, the peers' node_modules.</summary>
    private sealed record PageUrls(string Model, string Runtime, string Peers);

    /// <summary>Everything a bench page needs, prepared in <c>Work</c>, and what <see cref="Assemble"/> needs afterwards.</summary>
    private sealed record Prepared(string Model, string Work, IReadOnlyList<InputSpec> Specs, JsonObject Config,
        List<(string Id, string Engine, string Backend, string Phase)> Engines, List<string> OutputNames,
        Dictionary<string, Tensor>? Expected, string? OracleError, string GraphNote, string? PeersDir, string? Runtime);

    /// <summary>
    /// Writes the model for ORT, the seeded inputs, the TF.js graph and our package into <paramref name="work"/>, runs the
    /// oracle, and builds the page configuration with URLs under <paramref name="urls"/>.
    /// </summary>
    private static async Task<Prepared> PrepareAsync(BenchOptions options, string work, PageUrls urls, bool installPeers, IProgress<string>? progress, CancellationToken ct)
    {
        string model = ModelName(options.ModelPath);
        // The model as ORT will fetch it: .onnx.gz is decompressed here, never by the page.
        byte[] bytes = await File.ReadAllBytesAsync(options.ModelPath, ct).ConfigureAwait(false);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            bytes = Gunzip(bytes);
        }
        string onnxPath = Path.Combine(work, "model.onnx");
        await File.WriteAllBytesAsync(onnxPath, bytes, ct).ConfigureAwait(false);

        progress?.Report($"importing {Path.GetFileName(options.ModelPath)}");
        var graph = OnnxImporter.Load(bytes, Path.GetDirectoryName(Path.GetFullPath(options.ModelPath)), Path.GetFileName(options.ModelPath));
        var specs = InputSpecs(graph, options);
        var (optimized, graphNote) = Optimize(graph, specs, progress);
        var inputs = SeededInputs.Create(specs);
        Directory.CreateDirectory(Path.Combine(work, "inputs"));
        for (int k = 0; k < specs.Count; k++)
        {
            await File.WriteAllBytesAsync(Path.Combine(work, "inputs", $"{k}.bin"), inputs[specs[k].Name].ToBytes(), ct).ConfigureAwait(false);
        }
        var outputNames = graph.Outputs.Select(v => v.Name).ToList();

        progress?.Report("computing the expected outputs with native ONNX Runtime");
        Dictionary<string, Tensor>? expected = null;
        string? oracleError = null;
        try
        {
            expected = OrtOracle.Run(onnxPath, inputs);
        }
        catch (WebDnnException e)
        {
            oracleError = e.Message;
        }

        // Engines: phase "wasm" (ours js/wasm/webgl + wasm peers), phase "webgpu".
        var engines = new List<(string Id, string Engine, string Backend, string Phase)>();
        var na = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var phase in options.Backends.Select(Backend.PeerBackend).Distinct().OrderBy(p => p == "webgpu" ? 1 : 0))
        {
            foreach (var b in options.Backends.Where(b => Backend.PeerBackend(b) == phase))
            {
                engines.Add(($"{Peer.Ours}-{b}", Peer.Ours, b, phase));
            }
            foreach (var p in options.Peers)
            {
                engines.Add(($"{p}-{phase}", p, phase, phase));
            }
        }

        if (options.Peers.Contains(Peer.Tfjs))
        {
            // When the passes failed, the graph may be half rewritten: the adapter gets a fresh import.
            var export = TfjsGraphExporter.Write(optimized ?? OnnxImporter.Load(bytes, null, Path.GetFileName(options.ModelPath)));
            Directory.CreateDirectory(Path.Combine(work, "tfjs"));
            await File.WriteAllTextAsync(Path.Combine(work, "tfjs", "graph.json"), export.Json, ct).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(work, "tfjs", "weights.bin"), export.Weights, ct).ConfigureAwait(false);
        }

        string? runtime = options.RuntimeScript ?? BenchAssets.RuntimeScript();
        await CompileOursAsync(options, optimized, runtime, Path.Combine(work, "ours"), na, progress, ct).ConfigureAwait(false);

        string? peersDir = null;
        if (options.Peers.Count > 0 && installPeers)
        {
            peersDir = await PeerCache.EnsureInstalledAsync(progress, ct).ConfigureAwait(false);
        }

        var config = new JsonObject
        {
            ["threads"] = options.Threads,
            ["runs"] = options.Runs,
            ["warmup"] = options.Warmup,
            ["inputs"] = new JsonArray([.. specs.Select((s, k) => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["dtype"] = PageDtype(s.DataType),
                ["shape"] = new JsonArray([.. s.Shape.Select(d => (JsonNode?)JsonValue.Create(d))]),
                ["url"] = $"{urls.Model}inputs/{k}.bin",
            })]),
            ["outputs"] = new JsonArray([.. outputNames.Select(n => (JsonNode?)JsonValue.Create(n))]),
            ["graphNote"] = graphNote,
            ["engines"] = new JsonArray([.. engines.Select(e => (JsonNode)new JsonObject { ["id"] = e.Id, ["engine"] = e.Engine, ["backend"] = e.Backend, ["phase"] = e.Phase })]),
            ["na"] = new JsonObject(na.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["urls"] = new JsonObject
            {
                ["runtime"] = runtime is null ? null : $"{urls.Runtime}{Path.GetFileName(runtime)}",
                ["package"] = $"{urls.Model}ours/",
                ["onnx"] = $"{urls.Model}model.onnx",
                ["tfjsGraph"] = $"{urls.Model}tfjs/graph.json",
                ["tfjsWeights"] = $"{urls.Model}tfjs/weights.bin",
                ["peers"] = urls.Peers,
            },
        };
        return new Prepared(model, work, specs, config, engines, outputNames, expected, oracleError, graphNote, peersDir, runtime);
    }

    /// <summary>"resnet50" for ".../resnet50.onnx.gz".</summary>
    public static string ModelName(string path)
    {
        string name = Path.GetFileName(path);
        foreach (var ext in new[] { ".onnx.gz", ".onnx", ".gz" })
        {
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^ext.Length];
            }
        }
        return name;
    }

    private static List<InputSpec> InputSpecs(Graph g, BenchOptions o)
    {
        var specs = new List<InputSpec>();
        foreach (var v in g.Inputs.Where(v => !v.IsConstant))
        {
            var t = v.Type ?? throw new InvalidModelException($"input '{v.Name}' has no type");
            int[] shape;
            if (o.InputShapes is not null && o.InputShapes.TryGetValue(v.Name, out var given))
            {
                shape = given;
            }
            else
            {
                shape = t.Shape?.Select(d => d.IsKnown ? checked((int)d.Value) : 1).ToArray()
                    ?? throw new UsageException($"input '{v.Name}' has unknown rank; give its shape");
            }
            specs.Add(new InputSpec(v.Name, t.DataType, shape));
        }
        return specs;
    }

    /// <summary>
    /// Our optimized graph, shared by our compiler and the TF.js adapter: the O2 pass pipeline (as <c>webdnn compile</c>
    /// runs it). Returns null and the reason when the passes fail (the TF.js adapter then runs the imported graph).
    /// </summary>
    private static (Graph? Graph, string Note) Optimize(Graph g, IReadOnlyList<InputSpec> specs, IProgress<string>? progress)
    {
        var settings = new CompileSettings { Level = "O2", Progress = progress };
        foreach (var s in specs)
        {
            settings.Shapes[s.Name] = [.. s.Shape.Select(d => (long)d)];
        }
        try
        {
            int before = g.Nodes.Count;
            ModelCompiler.Optimize(g, settings, []);
            return (g, $"O2 passes ({before} → {g.Nodes.Count} nodes)");
        }
        catch (WebDnnException e)
        {
            progress?.Report($"the passes failed ({FirstLine(e.Message)}); the TF.js adapter runs the imported graph");
            return (null, $"imported graph (passes failed: {FirstLine(e.Message)})");
        }
    }

    private static async Task CompileOursAsync(BenchOptions o, Graph? optimized, string? runtime, string dir, Dictionary<string, string> na, IProgress<string>? progress, CancellationToken ct)
    {
        void All(string status)
        {
            foreach (var b in o.Backends)
            {
                na[$"{Peer.Ours}-{b}"] = status;
            }
        }
        if (runtime is null)
        {
            All("pending: runtime/dist/webdnn.mjs is not built");
            return;
        }
        if (optimized is null)
        {
            All("n/a: the graph passes failed");
            return;
        }
        var supported = o.Backends.Where(b => PackageWriter.SupportedBackends.Contains(b)).ToList();
        foreach (var b in o.Backends.Except(supported))
        {
            na[$"{Peer.Ours}-{b}"] = $"pending: backend {b} is not in this build";
        }
        if (supported.Count == 0)
        {
            return;
        }
        try
        {
            progress?.Report($"compiling our package ({string.Join(", ", supported)})");
            var compile = o.Compile ?? DefaultCompile;
            await compile(optimized, dir, supported, progress, ct).ConfigureAwait(false);
        }
        catch (WebDnnException e)
        {
            foreach (var b in supported)
            {
                na[$"{Peer.Ours}-{b}"] = $"n/a: {FirstLine(e.Message)}";
            }
        }
    }

    private static Task DefaultCompile(Graph g, string dir, IReadOnlyList<string> backends, IProgress<string>? progress, CancellationToken ct)
    {
        var program = Lowerer.Lower(g);
        var plan = PlanMemory.Run(program);
        PackageWriter.Write(program, dir, backends, progress);
        return Task.CompletedTask;
    }

    private static BenchResult Assemble(BenchOptions o, string model, IReadOnlyList<InputSpec> specs, string chromium, JsonElement page,
        IReadOnlyList<(string Id, string Engine, string Backend, string Phase)> engines, IReadOnlyList<string> outputNames,
        Dictionary<string, Tensor>? expected, string? oracleError, string graphNote)
    {
        var byId = page.GetProperty("engines").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, StringComparer.Ordinal);
        var outputs = new Dictionary<string, Dictionary<string, float[]>>(StringComparer.Ordinal);
        foreach (var (id, _, _, _) in engines)
        {
            if (byId[id].TryGetProperty("outputs", out var outs) && outs.ValueKind == JsonValueKind.Object)
            {
                outputs[id] = outs.EnumerateObject().ToDictionary(p => p.Name, p => Floats(p.Value.GetString()!), StringComparer.Ordinal);
            }
        }
        var results = new List<EngineResult>();
        foreach (var (id, engine, backend, phase) in engines)
        {
            var e = byId[id];
            string status = e.GetProperty("status").GetString() ?? "error: no status";
            var times = e.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).ToList();
            double? load = e.GetProperty("loadMs").ValueKind == JsonValueKind.Number ? e.GetProperty("loadMs").GetDouble() : null;
            var (memoryBytes, memory) = MemoryOf(e, "memory");
            double? vsOracle = null, vsOurs = null;
            bool? agrees = null;
            if (outputs.TryGetValue(id, out var outs))
            {
                if (expected is not null)
                {
                    (vsOracle, agrees, string? problem) = Compare(outs, outputNames.ToDictionary(n => n, n => expected[n].ToFloats(), StringComparer.Ordinal), OutputTolerance);
                    if (problem is not null && status == "ok")
                    {
                        status = $"error: {problem}";
                    }
                }
                if (engine != Peer.Ours)
                {
                    var ours = engines.FirstOrDefault(x => x.Engine == Peer.Ours && x.Phase == phase && outputs.ContainsKey(x.Id));
                    if (ours.Id is not null)
                    {
                        vsOurs = Compare(outs, outputs[ours.Id], OutputTolerance).MaxAbs;
                    }
                }
            }
            results.Add(new EngineResult
            {
                Engine = engine,
                Backend = backend,
                Status = status,
                LoadMs = load,
                MedianMs = times.Count > 0 ? Median(times) : null,
                MinMs = times.Count > 0 ? times.Min() : null,
                MaxMs = times.Count > 0 ? times.Max() : null,
                TimesMs = times,
                MaxAbsDiffVsOracle = vsOracle,
                MaxAbsDiffVsOurs = vsOurs,
                Agrees = agrees,
                MemoryBytes = memoryBytes,
                Memory = memory,
            });
        }
        var pairs = new List<PairResult>();
        foreach (var b in o.Backends)
        {
            string pb = Backend.PeerBackend(b);
            var ours = results.First(r => r.Engine == Peer.Ours && r.Backend == b);
            var peerMedians = o.Peers.ToDictionary(p => p, p => results.FirstOrDefault(r => r.Engine == p && r.Backend == pb && r.Ok)?.MedianMs, StringComparer.Ordinal);
            var ratios = peerMedians.ToDictionary(kv => kv.Key, kv => ours.MedianMs is { } m && kv.Value is { } pm && pm > 0 ? m / pm : (double?)null, StringComparer.Ordinal);
            var best = peerMedians.Where(kv => kv.Value is not null).OrderBy(kv => kv.Value).Select(kv => kv.Key).FirstOrDefault();
            pairs.Add(new PairResult
            {
                Backend = b,
                PeerBackend = pb,
                OursMedianMs = ours.Ok ? ours.MedianMs : null,
                PeerMedianMs = peerMedians,
                Ratio = ratios,
                BestPeer = best,
                RatioVsBest = best is null ? null : ratios[best],
            });
        }
        return new BenchResult
        {
            Model = model,
            ModelPath = o.ModelPath,
            Inputs = specs.Select(s => $"{s.Name}: {s.DataType.ShortName()}[{string.Join(",", s.Shape)}]").ToList(),
            Date = DateTimeOffset.Now,
            Chromium = chromium,
            PeerVersions = PeerCache.Versions(),
            Machine = Machine(page),
            Threads = o.Threads,
            Runs = o.Runs,
            Warmup = o.Warmup,
            CrossOriginIsolated = page.TryGetProperty("crossOriginIsolated", out var coi) && coi.ValueKind == JsonValueKind.True,
            PageMemoryBytes = MemoryOf(page, "pageMemory").Bytes,
            PageMemory = MemoryOf(page, "pageMemory").How,
            Tolerance = expected is null ? $"no oracle: {oracleError}" : $"{OutputTolerance} against native ONNX Runtime",
            TfjsGraph = graphNote,
            Engines = results,
            Pairs = pairs,
        };
    }

    /// <summary>Largest |a − b| over the outputs of <paramref name="reference"/>, whether each is within the tolerance, and a shape problem if any.</summary>
    private static (double MaxAbs, bool Agrees, string? Problem) Compare(IReadOnlyDictionary<string, float[]> actual, IReadOnlyDictionary<string, float[]> reference, Tolerance tol)
    {
        double worst = 0;
        bool agrees = true;
        foreach (var (name, exp) in reference)
        {
            if (!actual.TryGetValue(name, out var act))
            {
                return (double.MaxValue, false, $"output '{name}' is missing");
            }
            if (act.Length != exp.Length)
            {
                return (double.MaxValue, false, $"output '{name}' has {act.Length} values, expected {exp.Length}");
            }
            double maxExp = 0, maxDiff = 0;
            for (int i = 0; i < exp.Length; i++)
            {
                maxExp = Math.Max(maxExp, Math.Abs(exp[i]));
                double d = Math.Abs((double)act[i] - exp[i]);
                if (!(d <= maxDiff))
                {
                    maxDiff = double.IsNaN(d) ? double.MaxValue : d;
                }
            }
            worst = Math.Max(worst, maxDiff);
            agrees &= maxDiff <= tol.Bound(maxExp);
        }
        return (worst, agrees, null);
    }

    /// <summary>The page's { bytes, source } or { na } under <paramref name="name"/>: the bytes and how they were measured, or (null, why not).</summary>
    private static (long? Bytes, string? How) MemoryOf(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var m) || m.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }
        if (m.TryGetProperty("bytes", out var b) && b.ValueKind == JsonValueKind.Number)
        {
            return (b.GetInt64(), m.TryGetProperty("source", out var s) ? s.GetString() : null);
        }
        return (null, m.TryGetProperty("na", out var na) ? na.GetString() : null);
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static float[] Floats(string base64)
    {
        byte[] b = Convert.FromBase64String(base64);
        var f = new float[b.Length / 4];
        Buffer.BlockCopy(b, 0, f, 0, f.Length * 4);
        return f;
    }

    private static string PageDtype(DataType t) => t switch
    {
        DataType.Float32 => "float32",
        DataType.Int64 => "int64",
        DataType.Int32 => "int32",
        DataType.Bool => "bool",
        _ => throw new UnsupportedModelException($"webdnn bench supports f32, i64, i32 and bool inputs, not {t.ShortName()}"),
    };

    private static string Machine(JsonElement page)
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        int hc = page.TryGetProperty("hardwareConcurrency", out var h) && h.ValueKind == JsonValueKind.Number ? h.GetInt32() : Environment.ProcessorCount;
        return string.Create(CultureInfo.InvariantCulture, $"{hc} cores ({cpu}), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0];

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
