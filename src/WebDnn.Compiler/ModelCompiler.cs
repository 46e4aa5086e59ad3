using System.Diagnostics;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering;
using WebDnn.Onnx;
using WebDnn.Ops;
using WebDnn.Passes;

namespace WebDnn.Compiler;

/// <summary>Node count and time after one pipeline step (for inspect and compile progress).</summary>
public sealed record PassReport(string Name, int Nodes, double Milliseconds);

/// <summary>Options of one compilation.</summary>
public sealed record CompileSettings
{
    public string Level { get; init; } = "O2";

    /// <summary>Fixed input shapes (--shape NAME=d0,d1,…) for symbolic dimensions.</summary>
    public Dictionary<string, long[]> Shapes { get; init; } = new(StringComparer.Ordinal);

    public IProgress<string>? Progress { get; init; }

    /// <summary>Run the graph verifier after every pass (tests do; the CLI does in Debug builds).</summary>
    public bool Verify { get; init; }

    /// <summary>Stop after the graph passes (no lowering); inspect uses this when lowering fails.</summary>
    public bool Lower { get; init; } = true;

    /// <summary>The backends the package is for (null: every registered one); the graph passes obey their strictest limits.</summary>
    public IReadOnlyList<string>? Backends { get; init; }

    /// <summary>Called after every graph pass and every kernel-level pass (inspect --dump-after).</summary>
    public Action<string, Graph>? AfterPass { get; init; }
}

/// <summary>The result of compiling one model: the optimized graph and the lowered program (specialised per backend by <see cref="PackageWriter"/>).</summary>
public sealed class CompiledModel
{
    public required string SourcePath { get; init; }

    public required Graph Graph { get; init; }

    public required int ImportedNodeCount { get; init; }

    public required IReadOnlyList<KeyValuePair<string, int>> ImportedHistogram { get; init; }

    public required List<PassReport> Passes { get; init; }

    public KernelProgram? Program { get; set; }
}

/// <summary>
/// The compiler driver: import → supported-op check → pass pipeline → lowering. The kernel-level stage and memory
/// planning run per backend in <see cref="PackageWriter"/> (<see cref="PackageWriter.Specialise"/>).
/// </summary>
public static class ModelCompiler
{
    /// <summary>Imports and checks that every operator is implemented (exit code 4 listing all of them otherwise).</summary>
    public static Graph Import(string path)
    {
        var g = OnnxImporter.Load(path);
        OpRegistry.CheckSupported(g);
        return g;
    }

    public static CompiledModel Compile(string path, CompileSettings settings)
    {
        var sw = Stopwatch.StartNew();
        settings.Progress?.Report($"importing {Path.GetFileName(path)}");
        var g = Import(path);
        // Cheap checks first: a wrong or missing --shape is reported before any pass runs.
        settings = settings with { Shapes = InputShapes.Resolve(g, settings.Shapes, requireStatic: settings.Lower) };
        var result = new CompiledModel
        {
            SourcePath = path,
            Graph = g,
            ImportedNodeCount = g.Nodes.Count,
            ImportedHistogram = g.OpHistogram(),
            Passes = [new PassReport("import", g.Nodes.Count, sw.Elapsed.TotalMilliseconds)],
        };
        Optimize(g, settings, result.Passes);
        if (!settings.Lower)
        {
            return result;
        }
        sw.Restart();
        settings.Progress?.Report("lowering to primitive kernels");
        result.Program = Lowerer.Lower(g);
        result.Passes.Add(new PassReport("lower", result.Program.Kernels.Count, sw.Elapsed.TotalMilliseconds));
        return result;
    }

    /// <summary>Runs the named pass pipeline in place, appending a report per pass.</summary>
    public static void Optimize(Graph g, CompileSettings settings, List<PassReport> reports)
    {
        var ctx = new PassContext { Verify = settings.Verify, Progress = settings.Progress, Target = BackendRegistry.TargetFor(settings.Backends), AfterPass = settings.AfterPass };
        foreach (var kv in settings.Shapes)
        {
            ctx.InputShapes[kv.Key] = kv.Value;
        }
        foreach (var s in Pipelines.Run(g, settings.Level, ctx))
        {
            reports.Add(new PassReport(s.Pass, s.NodeCount, s.ElapsedMs));
        }
    }
}
