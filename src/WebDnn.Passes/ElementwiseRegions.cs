using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Ops;
using WebDnn.Ops.Fused;

namespace WebDnn.Passes;

/// <summary>
/// The fusion engine shared by <see cref="FuseActivations"/> and <see cref="FuseElementwise"/>. A region is a set R of
/// elementwise nodes (<see cref="ElementwiseOp"/> with fusion kind ElementWise or Broadcast) that computes exactly one
/// value read outside it (the sink): every other value produced in R, and the root (the result of the epilogue-capable
/// op it grows from, if any), is read only inside R. Then every node of R is an ancestor of the sink, no input from
/// outside can depend on R, and R collapses into one expression (<see cref="Expr"/>) over its outside inputs, placed
/// where the sink was. Regions are DAGs, not just chains: x·sigmoid(x) and the Erf-GELU spellings (x used twice) fuse.
/// Growth is greedy in node order, forwards (a node reading a value of the region) and backwards (the producer of an
/// outside input read only by the region); the largest valid region seen is kept.
/// </summary>
internal sealed class ElementwiseRegions
{
    /// <summary>Which elementwise nodes may join a region (on top of being an <see cref="ElementwiseOp"/>).</summary>
    public required Func<Node, bool> Allowed { get; init; }

    /// <summary>Largest fused expression (tree nodes, shared subtrees counted each time).</summary>
    public int MaxExprSize { get; init; } = 96;

    /// <summary>Most node inputs of a fused node: the target's buffers per kernel, less the output (<see cref="ForTarget"/>).</summary>
    public required int MaxInputs { get; init; }

    /// <summary>The input limit of a fused node on <paramref name="target"/>.</summary>
    public static int ForTarget(Target target) => target.MaxStorageBuffersPerKernel - 1;

    /// <summary>Most nodes in one region.</summary>
    public int MaxNodes { get; init; } = 32;

    /// <summary>Ops whose result may carry an <see cref="Epilogue"/>, with their formal input counts (extras go after).</summary>
    public static readonly IReadOnlyDictionary<string, int> EpilogueOps = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["Conv"] = 3,
        ["ConvTranspose"] = 3,
        ["Gemm"] = 3,
        ["MatMul"] = 2,
    };

    public static bool IsElementwise(Node n) =>
        OpRegistry.Find(n) is ElementwiseOp { Fusion: FusionKind.ElementWise or FusionKind.Broadcast } && n.Outputs.Count == 1;

    /// <summary>Fuses the region after every epilogue-capable op into its epilogue. Returns the number of nodes removed.</summary>
    public int FuseIntoEpilogues(Graph g)
    {
        int removed = 0;
        var edits = new NodeEdits(g);
        foreach (var p in edits.Original)
        {
            if (!edits.Contains(p) || p.Domain.Length != 0 || !EpilogueOps.ContainsKey(p.OpType) || p.Outputs.Count != 1
                || p.Outputs[0].Type is not { Shape: not null } rootType)
            {
                continue;
            }
            var root = p.Outputs[0];
            var (existing, first) = (p.Attributes.TryGetValue(Epilogue.ExprAttr, out var ea) ? ea.E : null,
                p.Attributes.TryGetValue(Epilogue.FirstAttr, out var fa) ? (int)fa.I : EpilogueOps[p.OpType]);
            var inputs = p.Inputs.ToList();
            while (inputs.Count < first)
            {
                inputs.Add(null);
            }
            var rootExpr = existing ?? Expr.In(0, rootType.DataType);
            int own = inputs.Take(first).Count(v => v is not null);
            List<Value> extras = [];
            Expr? expr = null;
            bool Accept(List<Node> region, Value sink)
            {
                if (!rootType.Equals(sink.Type))
                {
                    return false;
                }
                extras = inputs.Skip(first).Select(v => v!).ToList();
                expr = Build(region, sink, root, rootExpr, extras, 1, inlineScalars: true);
                return expr is not null && own + extras.Count <= MaxInputs;
            }
            var best = Grow(g, edits, root, [], Accept);
            if (best is null)
            {
                continue;
            }
            var (region, sink) = best.Value;
            // Rebuild for the chosen region (the callback's last call may have seen a larger one).
            Accept(region, sink);
            var fused = GraphRewrite.CloneHeader(p);
            Epilogue.Attach(fused, expr!, first);
            edits.ReplaceRegion([.. region, p], fused, inputs.Take(first).Concat(extras), [sink]);
            removed += region.Count;
        }
        edits.Commit();
        return removed;
    }

    /// <summary>Fuses regions of two or more elementwise nodes into com.webdnn.Elementwise nodes. Returns nodes removed.</summary>
    public int FuseStandalone(Graph g)
    {
        int removed = 0;
        var edits = new NodeEdits(g);
        foreach (var seed in edits.Original)
        {
            if (!edits.Contains(seed) || !IsElementwise(seed) || !Allowed(seed) || seed.Outputs[0].Type?.Shape is null)
            {
                continue;
            }
            List<Value> extras = [];
            Expr? expr = null;
            bool Accept(List<Node> region, Value sink)
            {
                if (region.Count < 2)
                {
                    return false;
                }
                extras = [];
                expr = Build(region, sink, null, null, extras, 0, inlineScalars: true);
                if (expr is not null && !BroadcastMatches(extras, sink))
                {
                    extras = [];
                    expr = Build(region, sink, null, null, extras, 0, inlineScalars: false);
                }
                return expr is not null && extras.Count > 0 && extras.Count <= MaxInputs && BroadcastMatches(extras, sink);
            }
            var best = Grow(g, edits, null, [seed], Accept);
            if (best is null)
            {
                continue;
            }
            var (region, sink) = best.Value;
            Accept(region, sink);
            var node = new Node("Elementwise", g.UniqueName("fused_elementwise"), FusedElementwise.DomainName) { Opset = 1 };
            node.SetAttribute(Attr.Expression("expr", expr!));
            edits.ReplaceRegion(region, node, extras, [sink]);
            removed += region.Count - 1;
        }
        edits.Commit();
        return removed;
    }

    private static bool BroadcastMatches(List<Value> extras, Value sink)
    {
        if (sink.Type?.Shape is not { } s || extras.Any(v => v.Type?.Shape is null))
        {
            return false;
        }
        int rank = extras.Count == 0 ? 0 : extras.Max(v => v.Type!.Shape!.Length);
        if (rank != s.Length)
        {
            return false;
        }
        for (int i = 0; i < rank; i++)
        {
            // The sink's dim must come from some input (equal), and every input's dim must be 1 or equal.
            bool found = false;
            foreach (var v in extras)
            {
                var sh = v.Type!.Shape!;
                int j = i - (rank - sh.Length);
                if (j < 0)
                {
                    continue;
                }
                if (sh[j] == s[i])
                {
                    found = true;
                }
                else if (!(sh[j].IsKnown && sh[j].Value == 1))
                {
                    return false;
                }
            }
            if (!found && !(s[i].IsKnown && s[i].Value == 1))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Greedy growth from <paramref name="root"/> (an op result) or <paramref name="start"/> nodes; the largest valid region.</summary>
    private (List<Node> Region, Value Sink)? Grow(Graph g, NodeEdits order, Value? root, List<Node> start, Func<List<Node>, Value, bool> accept)
    {
        var region = new List<Node>(start);
        var inRegion = new HashSet<Node>(start);
        (List<Node>, Value)? best = null;
        if (region.Count > 0 && Sink(g, region, inRegion, root) is { } s0 && accept(region, s0))
        {
            best = (region.ToList(), s0);
        }
        while (region.Count < MaxNodes)
        {
            Node? next = null;
            foreach (var c in Candidates(g, region, inRegion, root))
            {
                if (next is null || order.Position(c) < order.Position(next))
                {
                    next = c;
                }
            }
            if (next is null)
            {
                break;
            }
            region.Add(next);
            inRegion.Add(next);
            if (Sink(g, region, inRegion, root) is { } s && accept(region, s))
            {
                best = (region.ToList(), s);
            }
        }
        return best;
    }

    private IEnumerable<Node> Candidates(Graph g, List<Node> region, HashSet<Node> inRegion, Value? root)
    {
        var inner = region.Select(n => n.Outputs[0]).ToList();
        if (root is not null)
        {
            inner.Add(root);
        }
        foreach (var v in inner)
        {
            foreach (var c in v.Consumers)
            {
                if (!inRegion.Contains(c) && Joinable(g, c))
                {
                    yield return c;
                }
            }
        }
        var innerSet = new HashSet<Value>(inner);
        foreach (var n in region)
        {
            foreach (var x in n.Inputs)
            {
                if (x?.Producer is { } m && !innerSet.Contains(x) && !inRegion.Contains(m) && Joinable(g, m)
                    && !g.Outputs.Contains(x) && x.Consumers.TrueForAll(inRegion.Contains))
                {
                    yield return m;
                }
            }
        }
    }

    private bool Joinable(Graph g, Node n) =>
        IsElementwise(n) && Allowed(n) && !g.IsUnused(n.Outputs[0]) && n.Outputs[0].Type?.Shape is not null
        && n.Inputs.All(v => v is null || v.Type is not null);

    /// <summary>The one value of the region read outside it, or null when the region is not closed.</summary>
    private static Value? Sink(Graph g, List<Node> region, HashSet<Node> inRegion, Value? root)
    {
        if (root is not null && (g.Outputs.Contains(root) || !root.Consumers.TrueForAll(inRegion.Contains)))
        {
            return null;
        }
        Value? sink = null;
        foreach (var n in region)
        {
            var o = n.Outputs[0];
            if (g.Outputs.Contains(o) || !o.Consumers.TrueForAll(inRegion.Contains) || o.Consumers.Count == 0)
            {
                if (sink is not null)
                {
                    return null;
                }
                sink = o;
            }
        }
        return sink;
    }

    /// <summary>
    /// The region's expression for <paramref name="sink"/>. The root reads as <paramref name="rootExpr"/>; outside inputs
    /// become in(<paramref name="firstIndex"/> + k) in the order of <paramref name="extras"/> (appended when new), or
    /// constants when they are one-element constants and <paramref name="inlineScalars"/> is set. Null when too large.
    /// </summary>
    private Expr? Build(List<Node> region, Value sink, Value? root, Expr? rootExpr, List<Value> extras, int firstIndex, bool inlineScalars)
    {
        var producedIn = region.ToDictionary(n => n.Outputs[0]);
        var memo = new Dictionary<Value, Expr>();
        Expr Of(Value v)
        {
            if (memo.TryGetValue(v, out var e))
            {
                return e;
            }
            if (root is not null && ReferenceEquals(v, root))
            {
                e = rootExpr!;
            }
            else if (producedIn.TryGetValue(v, out var n))
            {
                var (body, slots) = ((ElementwiseOp)OpRegistry.Find(n)!).ScalarExpr(n);
                e = body.Substitute(i => Of(n.Inputs[slots[i.Index]]!));
            }
            else if (inlineScalars && v.Const is { Length: 1 } c && c.DataType != DataType.String
                && (root is not null || c.Rank <= (sink.Type?.Rank ?? -1)))
            {
                e = Expr.Const(c.GetDouble(0), c.DataType);
            }
            else
            {
                int k = extras.FindIndex(x => ReferenceEquals(x, v));
                if (k < 0)
                {
                    extras.Add(v);
                    k = extras.Count - 1;
                }
                e = Expr.In(firstIndex + k, v.Type!.DataType);
            }
            memo[v] = e;
            return e;
        }
        var result = Of(sink);
        return result.SizeUpTo(MaxExprSize) <= MaxExprSize ? result : null;
    }
}
