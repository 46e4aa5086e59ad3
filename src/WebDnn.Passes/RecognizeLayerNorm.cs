using WebDnn.Core;

namespace WebDnn.Passes;

/// <summary>
/// Replaces layer normalization spelled out by exporters (BERT/MiniLM from opset &lt; 17, PaddleOCR) by one
/// LayerNormalization node with opset-17 semantics (node opset set to 17 whatever the model's opset):
/// <code>
/// mean = ReduceMean(x, axes=[a..r-1], keepdims=1);  d = Sub(x, mean)
/// var  = ReduceMean(Pow(d, 2) | Mul(d, d), same axes); std = Sqrt(Add(var, ε))
/// n = Div(d, std) | Mul(d, Reciprocal(std));  y = Add(Mul(n, γ), β)   (the Mul and the Add are optional)
/// </code>
/// Every intermediate must be read only inside the pattern. γ and β must vary along the normalized axes only; a
/// constant γ or β of another broadcastable shape is expanded to the normalized shape, a missing γ becomes ones.
/// </summary>
/// <remarks>Must run after InferShapes and FoldConstants (axes, exponent and ε must be constants) and before FuseElementwise.</remarks>
public sealed class RecognizeLayerNorm : IGraphPass
{
    public string Name => "recognize-layernorm";

    public void Run(Graph g, PassContext ctx)
    {
        var edits = new NodeEdits(g);
        foreach (var n in edits.Original)
        {
            if (n.Is("ReduceMean") && edits.Contains(n))
            {
                TryRewrite(g, edits, n);
            }
        }
        edits.Commit();
    }

    private static bool TryRewrite(Graph g, NodeEdits edits, Node mean1)
    {
        var x = mean1.Input(0);
        if (x?.Type is not { Shape: { } xShape } xt || !xt.DataType.IsFloat() || ReducedTail(mean1, xShape.Length) is not { } axis)
        {
            return false;
        }
        var nodes = new List<Node> { mean1 };
        // d = x - mean
        if (Single(g, mean1) is not { } sub || !sub.Is("Sub") || !ReferenceEquals(sub.Input(0), x) || !ReferenceEquals(sub.Input(1), mean1.Outputs[0]))
        {
            return false;
        }
        nodes.Add(sub);
        var d = sub.Outputs[0];
        if (g.Outputs.Contains(d))
        {
            return false;
        }
        // d is read by the square and by the division.
        var users = d.Consumers.Distinct().ToList();
        if (users.Count != 2)
        {
            return false;
        }
        var sq = users.FirstOrDefault(u => u.Is("Pow") && ReferenceEquals(u.Input(0), d) && GraphRewrite.IsConstAll(u.Input(1), 2)
            || u.Is("Mul") && ReferenceEquals(u.Input(0), d) && ReferenceEquals(u.Input(1), d));
        var div = users.FirstOrDefault(u => !ReferenceEquals(u, sq));
        if (sq is null || div is null || d.Consumers.Count != (sq.Is("Mul") ? 3 : 2))
        {
            return false;
        }
        nodes.Add(sq);
        if (Single(g, sq) is not { } mean2 || !mean2.Is("ReduceMean") || ReducedTail(mean2, xShape.Length) != axis)
        {
            return false;
        }
        nodes.Add(mean2);
        if (Single(g, mean2) is not { } addEps || !addEps.Is("Add") || OtherInput(addEps, mean2.Outputs[0]) is not { } epsV
            || GraphRewrite.ScalarConst(epsV) is not { } eps)
        {
            return false;
        }
        nodes.Add(addEps);
        if (Single(g, addEps) is not { } sqrt || !sqrt.Is("Sqrt"))
        {
            return false;
        }
        nodes.Add(sqrt);
        Node norm;
        if (div.Is("Div") && ReferenceEquals(div.Input(0), d) && ReferenceEquals(div.Input(1), sqrt.Outputs[0]) && Single(g, sqrt) == div)
        {
            norm = div;
        }
        else if (div.Is("Mul") && OtherInput(div, d) is { } r && r.Producer is { } rec && rec.Is("Reciprocal")
            && ReferenceEquals(rec.Input(0), sqrt.Outputs[0]) && Single(g, sqrt) == rec && Single(g, rec) == div)
        {
            nodes.Add(rec);
            norm = div;
        }
        else
        {
            return false;
        }
        nodes.Add(norm);

        var normShape = xShape[axis..];
        var y = norm.Outputs[0];
        Value? gamma = null, beta = null;
        if (!g.Outputs.Contains(y) && Single(g, norm) is { } mulG && mulG.Is("Mul") && OtherInput(mulG, y) is { } gv
            && AffineParam(g, gv, normShape, xt.DataType) is { } gp)
        {
            nodes.Add(mulG);
            gamma = gp;
            y = mulG.Outputs[0];
        }
        if (!g.Outputs.Contains(y) && Single(g, y.Producer!) is { } addB && addB.Is("Add") && OtherInput(addB, y) is { } bv
            && AffineParam(g, bv, normShape, xt.DataType) is { } bp)
        {
            nodes.Add(addB);
            beta = bp;
            y = addB.Outputs[0];
        }
        if (!xt.Equals(y.Type))
        {
            return false;
        }
        if (gamma is null)
        {
            if (!normShape.All(dm => dm.IsKnown))
            {
                return false;
            }
            var shape = normShape.Select(dm => (int)dm.Value).ToArray();
            var ones = Tensor.FromDoubles(xt.DataType, shape, Enumerable.Repeat(1.0, (int)Tensor.ElementCount(shape)).ToArray());
            gamma = g.Constant(ones, $"{mean1.Name}_ln_scale");
        }
        var ln = new Node("LayerNormalization", g.UniqueName($"{mean1.Name}_layernorm")) { Opset = 17 };
        ln.SetAttribute(Attr.Int("axis", axis));
        ln.SetAttribute(Attr.Float("epsilon", (float)eps));
        edits.ReplaceRegion(nodes, ln, beta is null ? [x, gamma] : [x, gamma, beta], [y]);
        return true;
    }

    /// <summary>The single node reading <paramref name="n"/>'s only output (not a graph output), else null.</summary>
    private static Node? Single(Graph g, Node n)
    {
        if (n.Outputs.Count != 1 || g.Outputs.Contains(n.Outputs[0]))
        {
            return null;
        }
        var c = n.Outputs[0].Consumers;
        return c.Count == 1 ? c[0] : null;
    }

    private static Value? OtherInput(Node n, Value v) =>
        n.Inputs.Count != 2 ? null : ReferenceEquals(n.Inputs[0], v) ? n.Inputs[1] : ReferenceEquals(n.Inputs[1], v) ? n.Inputs[0] : null;

    /// <summary>First reduced axis when <paramref name="r"/> reduces exactly the trailing axes a..rank-1 with keepdims; else null.</summary>
    private static int? ReducedTail(Node r, int rank)
    {
        if (r.Attributes.TryGetValue("keepdims", out var kd) && kd.I == 0 || r.Attributes.TryGetValue("noop_with_empty_axes", out var ne) && ne.I != 0)
        {
            return null;
        }
        long[]? axes = r.Attributes.TryGetValue("axes", out var a) ? a.Ints : r.Input(1)?.Const?.ToLongs();
        if (axes is null || axes.Length == 0 || r.Input(1) is { IsConstant: false })
        {
            return null;
        }
        var norm = axes.Select(v => v < 0 ? v + rank : v).Order().ToArray();
        for (int i = 0; i < norm.Length; i++)
        {
            if (norm[i] != rank - norm.Length + i)
            {
                return null;
            }
        }
        return (int)norm[0];
    }

    /// <summary>
    /// γ or β as a LayerNormalization input: a value of exactly the normalized shape, or a constant varying along the
    /// normalized axes only (expanded to the normalized shape). Null otherwise.
    /// </summary>
    private static Value? AffineParam(Graph g, Value v, Dim[] normShape, DataType dt)
    {
        if (v.Type is not { Shape: { } s } || v.Type.DataType != dt)
        {
            return null;
        }
        if (s.SequenceEqual(normShape))
        {
            return v;
        }
        if (v.Const is not { } c || !normShape.All(d => d.IsKnown))
        {
            return null;
        }
        var target = normShape.Select(d => (int)d.Value).ToArray();
        // Leading dims beyond the normalized rank must be 1; the rest must broadcast to the normalized shape.
        int extra = c.Rank - target.Length;
        for (int i = 0; i < c.Rank; i++)
        {
            int j = i - extra;
            if (j < 0 ? c.Shape[i] != 1 : c.Shape[i] != 1 && c.Shape[i] != target[j])
            {
                return null;
            }
        }
        var inner = extra > 0 ? c.Shape[extra..] : c.Shape;
        var strides = Ops.Shapes.BroadcastStrides(inner, target);
        int n = (int)Tensor.ElementCount(target);
        var values = new double[n];
        var idx = new int[target.Length];
        for (int o = 0; o < n; o++)
        {
            int rem = o, off = 0;
            for (int k = target.Length - 1; k >= 0; k--)
            {
                idx[k] = rem % target[k];
                rem /= target[k];
                off += idx[k] * strides[k];
            }
            values[o] = c.GetDouble(off);
        }
        return g.Constant(Tensor.FromDoubles(dt, target, values), $"{v.Name}_ln");
    }
}
