using System.Diagnostics;
using WebDnn.Core;
using WebDnn.Core.Verification;

namespace WebDnn.Passes;

/// <summary>What one pass did: its name, the node count after it, and its wall time in milliseconds.</summary>
public sealed record PassRecord(string Pass, int NodeCount, double ElapsedMs);

/// <summary>
/// The optimization pipelines, spelled out by hand (ILSpy's GetILTransforms, TVM's PIPELINE_MAP): each list is the
/// exact order passes run in, with the constraint that fixes each position. Selected by name with -O0/-O1/-O2.
/// </summary>
public static class Pipelines
{
    /// <summary>Only what lowering needs: types, constants, no dead code.</summary>
    public static IReadOnlyList<IGraphPass> O0() =>
    [
        new InferShapes(),
        new FoldConstants(),          // must run after InferShapes: Shape/Size folding reads input types
        new RemoveDeadNodes(),        // must run after FoldConstants: folding leaves the shape subgraphs unread
    ];

    /// <summary>O0 plus identity removal, BN/scale folding and activation epilogues.</summary>
    public static IReadOnlyList<IGraphPass> O1() =>
    [
        new InferShapes(),
        new FoldConstants(),          // must run after InferShapes
        new RemoveIdentities(),       // must run after FoldConstants: no-op Reshape/Expand are visible once shapes are constant
        new RemoveDeadNodes(),        // must run after FoldConstants and RemoveIdentities
        new FoldBatchNormAndScale(),  // must run after FoldConstants (weights and statistics are constants) and RemoveIdentities (Conv→Identity→BN)
        new FuseActivations(),        // must run after FoldBatchNormAndScale: it would otherwise fuse the Mul/Add it folds
        new RemoveDeadNodes(),        // must run last: folded weights leave the old constants and their users unread
    ];

    /// <summary>Everything.</summary>
    public static IReadOnlyList<IGraphPass> O2() =>
    [
        new InferShapes(),
        new FoldConstants(),          // must run after InferShapes
        new RemoveIdentities(),       // must run after FoldConstants
        new RemoveDeadNodes(),        // must run after FoldConstants and RemoveIdentities
        new RecognizeLayerNorm(),     // must run after FoldConstants (axes/ε constants) and before any fusion of its Sub/Div/Mul/Add
        new FoldBatchNormAndScale(),  // must run after FoldConstants and RemoveIdentities; before the fusions
        new FuseActivations(),        // must run after FoldBatchNormAndScale and RecognizeLayerNorm
        new FuseElementwise(),        // must run after FuseActivations (activations first take the epilogues they are named for)
        new RemoveDeadNodes(),        // must run last
    ];

    /// <summary>Pipelines by name ("O0", "O1", "O2"; case-insensitive).</summary>
    public static readonly IReadOnlyDictionary<string, Func<IReadOnlyList<IGraphPass>>> ByName =
        new Dictionary<string, Func<IReadOnlyList<IGraphPass>>>(StringComparer.OrdinalIgnoreCase)
        {
            ["O0"] = O0,
            ["O1"] = O1,
            ["O2"] = O2,
        };

    /// <summary>
    /// Runs the pipeline <paramref name="level"/> on <paramref name="g"/>: reports each pass to
    /// <see cref="PassContext.Progress"/>, verifies the graph after it when <see cref="PassContext.Verify"/> is set, calls
    /// <see cref="PassContext.AfterPass"/>, and records node count and time per pass.
    /// </summary>
    public static IReadOnlyList<PassRecord> Run(Graph g, string level, PassContext ctx)
    {
        if (!ByName.TryGetValue(level.TrimStart('-'), out var make))
        {
            throw new UsageException($"unknown optimization level '{level}'; use one of {string.Join(", ", ByName.Keys)}");
        }
        return Run(g, make(), ctx);
    }

    /// <summary>Runs the given passes in order (see <see cref="Run(Graph, string, PassContext)"/>).</summary>
    public static IReadOnlyList<PassRecord> Run(Graph g, IReadOnlyList<IGraphPass> passes, PassContext ctx)
    {
        var records = new List<PassRecord>(passes.Count);
        for (int i = 0; i < passes.Count; i++)
        {
            var pass = passes[i];
            ctx.Cancellation.ThrowIfCancellationRequested();
            ctx.Progress?.Report($"[{i + 1}/{passes.Count}] {pass.Name}");
            var sw = Stopwatch.StartNew();
            pass.Run(g, ctx);
            sw.Stop();
            if (ctx.Verify)
            {
                try
                {
                    GraphVerifier.Verify(g);
                }
                catch (InvalidOperationException e)
                {
                    throw new InvalidOperationException($"after pass {pass.Name}: {e.Message}", e);
                }
            }
            ctx.AfterPass?.Invoke(pass.Name, g);
            records.Add(new PassRecord(pass.Name, g.Nodes.Count, sw.Elapsed.TotalMilliseconds));
        }
        return records;
    }
}
