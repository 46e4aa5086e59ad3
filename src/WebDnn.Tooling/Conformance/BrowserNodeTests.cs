using System.Collections.Concurrent;
using System.Diagnostics;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering;
using WebDnn.Onnx;
using WebDnn.Tooling.Packages;

namespace WebDnn.Tooling.Conformance;

/// <summary>The outcome of one node test on a browser backend.</summary>
/// <param name="Name">The case (test_abs, …).</param>
/// <param name="Error">Why it failed; null when it passed.</param>
/// <param name="Stage">Where it failed: "compile" (import, passes, lowering, package), "run" (in the browser) or "compare"; "pass" when it passed.</param>
/// <param name="Frozen">Parameter inputs that were compiled in as constants from the test data (empty for most cases).</param>
public sealed record NodeCaseResult(string Name, string Stage, string? Error, IReadOnlyList<string> Frozen)
{
    public bool Passed => Error is null;
}

/// <summary>Timings of one <see cref="BrowserNodeTests.RunAsync"/> call.</summary>
public sealed record NodeSuiteTimings(double CompileSeconds, double BrowserSeconds, int Compiled);

/// <summary>
/// Runs ONNX node tests on a browser backend: every case is compiled (input shapes fixed from its test inputs) into a
/// package under one temporary root, one <see cref="Browser.StaticServer"/> serves them all and one headless Chromium page runs
/// them in batches (<see cref="BrowserBatchRunner"/>). Outputs are compared with <see cref="NodeTestSuite.Compare"/>
/// (the same rtol/atol as the reference evaluator). A case that does not compile does not pass; the reason is kept.
/// </summary>
/// <remarks>
/// Packages have their shapes baked in, so an op's parameter inputs (axes, pads, scales, starts/ends, repeats) must be
/// compile-time constants. Node tests often feed them as graph inputs; when compiling fails for that reason, the case is
/// compiled again with those inputs frozen from its test data (<see cref="NodeCaseResult.Frozen"/> names them).
/// </remarks>
public static class BrowserNodeTests
{
    private sealed record Prepared(NodeTestCase Case, BatchItem Item, string[] OutputNames, IReadOnlyList<Tensor> Expected, IReadOnlyList<string> Frozen);

    public static async Task<(IReadOnlyList<NodeCaseResult> Results, NodeSuiteTimings Timings)> RunAsync(IReadOnlyList<NodeTestCase> cases, string backend,
        IProgress<string>? progress = null, CancellationToken ct = default)
    {
        string root = Path.Combine(Path.GetTempPath(), "webdnn-nodetests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        try
        {
            var sw = Stopwatch.StartNew();
            var prepared = new ConcurrentDictionary<string, Prepared>(StringComparer.Ordinal);
            var results = new ConcurrentDictionary<string, NodeCaseResult>(StringComparer.Ordinal);
            int done = 0;
            Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, c =>
            {
                try
                {
                    prepared[c.Name] = Prepare(c, root, backend);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    results[c.Name] = new NodeCaseResult(c.Name, "compile", OneLine($"{e.GetType().Name}: {e.Message}"), []);
                }
                if (Interlocked.Increment(ref done) % 200 == 0)
                {
                    progress?.Report($"compiled {done} of {cases.Count}");
                }
            });
            double compileSeconds = sw.Elapsed.TotalSeconds;
            progress?.Report($"{prepared.Count} of {cases.Count} cases compiled in {compileSeconds:0.0} s; running them in the browser");

            sw.Restart();
            var order = cases.Where(c => prepared.ContainsKey(c.Name)).Select(c => prepared[c.Name]).ToList();
            await using (var runner = await BrowserBatchRunner.StartAsync(root, progress, ct).ConfigureAwait(false))
            {
                var ran = await runner.RunAsync(order.Select(p => p.Item).ToList(), backend, batchSize: 100,
                    batchTimeout: TimeSpan.FromMinutes(5), itemTimeout: TimeSpan.FromSeconds(60), progress, ct).ConfigureAwait(false);
                foreach (var r in ran)
                {
                    var p = prepared[r.Id];
                    results[r.Id] = r.Outputs is null
                        ? new NodeCaseResult(r.Id, "run", OneLine(r.Error ?? "no outputs"), p.Frozen)
                        : Check(p, r.Outputs);
                }
            }
            double browserSeconds = sw.Elapsed.TotalSeconds;
            var list = cases.Select(c => results.TryGetValue(c.Name, out var r) ? r : new NodeCaseResult(c.Name, "run", "no result", [])).ToList();
            return (list, new NodeSuiteTimings(compileSeconds, browserSeconds, prepared.Count));
        }
        finally
        {
            try
            {
                Directory.Delete(root, true);
            }
            catch (IOException)
            {
                // A file still open by the server: the temp folder is cleaned by the OS later.
            }
        }
    }

    /// <summary>Compiles one case into root/NAME/ with its input shapes fixed and writes its inputs next to the package.</summary>
    private static Prepared Prepare(NodeTestCase c, string root, string backend)
    {
        var g = OnnxImporter.Load(c.ModelPath);
        var inputs = c.LoadTensors("input");
        var expected = c.LoadTensors("output");
        var formal = g.Inputs.ToList();
        if (inputs.Count > formal.Count)
        {
            throw new InvalidOperationException($"{inputs.Count} test inputs but {formal.Count} graph inputs");
        }
        if (expected.Count != g.Outputs.Count)
        {
            throw new InvalidOperationException($"{expected.Count} expected outputs but {g.Outputs.Count} graph outputs");
        }
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Count; i++)
        {
            feeds[formal[i].Name] = inputs[i];
            shapes[formal[i].Name] = inputs[i].Shape.Select(d => (long)d).ToArray();
        }
        KernelProgram program;
        var frozen = new List<string>();
        try
        {
            var compiled = ModelCompiler.Compile(c.ModelPath, new CompileSettings { Shapes = shapes });
            program = compiled.Program!;
        }
        catch (UnsupportedModelException e) when (NeedsConstants(e.Message))
        {
            // The compiler bakes shapes in, so parameter inputs (axes, pads, scales, starts/ends, repeats…) must be
            // constants. Such a case is compiled again with those inputs frozen from its test data (see CompileFrozen).
            program = CompileFrozen(c.ModelPath, feeds, shapes, frozen);
            if (frozen.Count == 0)
            {
                throw;
            }
        }
        string dir = Path.Combine(root, c.Name);
        var manifest = PackageWriter.Write(program, dir, [backend]);
        var fed = new List<KeyValuePair<string, Tensor>>();
        foreach (var io in manifest.Inputs)
        {
            if (!feeds.TryGetValue(io.Name, out var t))
            {
                throw new InvalidOperationException($"the package wants input '{io.Name}', which the test data does not give");
            }
            fed.Add(new(io.Name, t));
        }
        var item = BrowserBatchRunner.Prepare(root, c.Name, dir, fed);
        return new Prepared(c, item, g.Outputs.Select(o => o.Name).ToArray(), expected, frozen);
    }

    /// <summary>Compile errors that freezing parameter inputs can cure (a constant or a static shape was needed).</summary>
    private static bool NeedsConstants(string message) =>
        message.Contains("must be constant", StringComparison.Ordinal) || message.Contains("must be a constant", StringComparison.Ordinal)
        || message.Contains("needs constant", StringComparison.Ordinal) || message.Contains("is not static", StringComparison.Ordinal)
        || message.Contains("dynamic shape", StringComparison.Ordinal);

    /// <summary>
    /// Compiles with every <em>parameter input</em> frozen as a constant from the test data: a graph input that is never
    /// the first (data) input of a node (ReduceSum's axes, Slice's starts/ends, Resize's scales, Pad's pads), or an integer
    /// scalar (a window or range size). Data inputs stay runtime inputs. <paramref name="frozen"/> receives the frozen names (empty: nothing to freeze).
    /// </summary>
    private static KernelProgram CompileFrozen(string modelPath, Dictionary<string, Tensor> feeds, Dictionary<string, long[]> shapes, List<string> frozen)
    {
        var g = ModelCompiler.Import(modelPath);
        foreach (var v in g.Inputs.ToList())
        {
            if (!feeds.TryGetValue(v.Name, out var t) || v.Consumers.Count == 0 || g.Outputs.Contains(v))
            {
                continue;
            }
            bool integerScalar = t.Rank == 0 && !t.DataType.IsFloat() && t.DataType is not (DataType.Bool or DataType.String);
            if (!integerScalar && v.Consumers.Any(n => n.Inputs.IndexOf(v) == 0))
            {
                continue;
            }
            v.Const = t;
            v.Type = t.Type;
            g.Inputs.Remove(v);
            feeds.Remove(v.Name);
            shapes.Remove(v.Name);
            frozen.Add(v.Name);
        }
        if (frozen.Count == 0)
        {
            return null!;
        }
        ModelCompiler.Optimize(g, new CompileSettings { Shapes = shapes }, []);
        return Lowerer.Lower(g);
    }

    private static NodeCaseResult Check(Prepared p, IReadOnlyDictionary<string, Tensor> outputs)
    {
        var byIndex = outputs.Values.ToList();
        for (int i = 0; i < p.Expected.Count; i++)
        {
            var e = p.Expected[i];
            if (!outputs.TryGetValue(p.OutputNames[i], out var a))
            {
                if (byIndex.Count != p.Expected.Count)
                {
                    return new NodeCaseResult(p.Case.Name, "compare", $"output {i} ('{p.OutputNames[i]}') is missing", p.Frozen);
                }
                a = byIndex[i];
            }
            // bf16 outputs come back widened to f32: narrow them again to compare in the expected type.
            if (a.DataType != e.DataType && e.DataType is DataType.BFloat16 && a.DataType == DataType.Float32)
            {
                a = Tensor.FromDoubles(e.DataType, a.Shape, a.ToDoubles());
            }
            if (NodeTestSuite.Compare(e, a) is { } diff)
            {
                return new NodeCaseResult(p.Case.Name, "compare", $"output {i}: {diff}", p.Frozen);
            }
        }
        return new NodeCaseResult(p.Case.Name, "pass", null, p.Frozen);
    }

    private static string OneLine(string s)
    {
        s = s.ReplaceLineEndings(" ").Trim();
        return s.Length > 400 ? s[..400] + "…" : s;
    }
}
