using WebDnn.Core;

namespace WebDnn.Passes;

/// <summary>
/// Folds per-output-channel affine maps into the weights and bias of the op before them. A producer is Conv,
/// ConvTranspose, Gemm or MatMul with a constant f32 weight (and a constant or absent bias) whose result is read by
/// exactly one node; the follower is
/// <list type="bullet">
/// <item>BatchNormalization (inference: training_mode 0, only output 0 used, constant 1-D statistics):
/// y = s·x + t with s = scale / sqrt(var + ε), t = B − mean·s;</item>
/// <item>Mul / Div by a constant, Add / Sub of a constant, whose shape broadcasts along the producer's output channel
/// only (its channel dim is 1 or the channel count, every other dim 1, rank ≤ the output's), so the result shape does
/// not change.</item>
/// </list>
/// Conv weights are [M, C/g, k…] (scale row m); ConvTranspose weights are [C, M/g, k…] (scale column j of the group
/// that row c belongs to, output channel g·M/g + j); Gemm scales B per output column (transB respected), writes
/// C' = β·C·s + t and sets β = 1; MatMul with a constant 2-D B [K, N] scales column n; a bias on a MatMul becomes a
/// Gemm when the MatMul is 2-D, otherwise the Add stays (FuseActivations/FuseElementwise put it in the epilogue).
/// A BatchNormalization that follows anything else (with constant statistics) becomes Mul + Add, fused later.
/// New weights are new constants: a weight shared by several nodes is never changed in place.
/// </summary>
/// <remarks>Must run after InferShapes and FoldConstants (weights and statistics must be constants; types are read).</remarks>
public sealed class FoldBatchNormAndScale : IGraphPass
{
    public string Name => "fold-batchnorm-and-scale";

    public void Run(Graph g, PassContext ctx)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            var edits = new NodeEdits(g);
            foreach (var n in edits.Original)
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                if (n.Domain.Length != 0 || !edits.Contains(n))
                {
                    continue;
                }
                if (TryFoldIntoProducer(g, edits, n) || n.Is("BatchNormalization") && TryDecompose(g, edits, n))
                {
                    changed = true;
                }
            }
            edits.Commit();
        }
    }

    /// <summary>y = s·x + t per channel; null vectors mean identity scale / zero shift.</summary>
    private sealed record Affine(float[]? Scale, float[]? Shift);

    private static bool TryFoldIntoProducer(Graph g, NodeEdits edits, Node follower)
    {
        var x = follower.Input(0);
        if (follower.Is("Add") || follower.Is("Mul"))
        {
            // Either operand order.
            if (x?.Producer is null || !IsProducer(x.Producer) || x.IsConstant)
            {
                x = follower.Input(1);
            }
        }
        if (x?.Producer is not { } p || !IsProducer(p) || !GraphRewrite.OnlyUsedBy(g, x, follower) || x.Type?.Shape is not { } outShape
            || x.Type.DataType != DataType.Float32 || follower.Outputs.Count == 0 || !x.Type.Equals(follower.Outputs[0].Type))
        {
            return false;
        }
        if (p.Input(1)?.Const is not { DataType: DataType.Float32 } w || p.Input(2) is { } b && b.Const is not { DataType: DataType.Float32 })
        {
            return false;
        }
        int axis, channels;
        switch (p.OpType)
        {
            case "Conv" when w.Rank >= 3 && outShape.Length == w.Rank:
                axis = 1;
                channels = w.Shape[0];
                break;
            case "ConvTranspose" when w.Rank >= 3 && outShape.Length == w.Rank:
                axis = 1;
                channels = w.Shape[1] * (int)Group(p);
                break;
            case "Gemm" when w.Rank == 2 && outShape.Length == 2:
                axis = 1;
                channels = Int(p, "transB", 0) != 0 ? w.Shape[0] : w.Shape[1];
                break;
            case "MatMul" when w.Rank == 2 && outShape.Length >= 1:
                axis = outShape.Length - 1;
                channels = w.Shape[1];
                break;
            default:
                return false;
        }
        if (outShape[axis] is { IsKnown: true } d && d.Value != channels)
        {
            return false;
        }
        var affine = FollowerAffine(follower, x, outShape.Length, axis, channels);
        if (affine is null)
        {
            return false;
        }
        bool hasShift = affine.Shift is not null && affine.Shift.Any(v => v != 0);
        if (p.OpType == "MatMul" && hasShift && outShape.Length != 2)
        {
            return false;
        }

        var scale = affine.Scale;
        Value? newW = scale is null ? null : g.Constant(ScaleWeight(p, w, scale, channels), $"{p.Name}_folded_w");
        Value? newBias = null;
        if (p.OpType is "Conv" or "ConvTranspose")
        {
            if (hasShift || scale is not null && p.Input(2) is not null)
            {
                newBias = g.Constant(Tensor.FromFloats([channels], ChannelBias(p.Input(2)?.Const, channels, affine)), $"{p.Name}_folded_b");
            }
        }
        else if (p.OpType == "Gemm")
        {
            if (hasShift || scale is not null && p.Input(2) is not null)
            {
                newBias = g.Constant(GemmBias(p, channels, affine), $"{p.Name}_folded_c");
            }
        }
        else if (hasShift)
        {
            // MatMul [M,K]×[K,N] + bias: Gemm(A, B, t).
            p.OpType = "Gemm";
            p.Opset = follower.Opset;
            newBias = g.Constant(Tensor.FromFloats([channels], (float[])affine.Shift!.Clone()), $"{p.Name}_folded_c");
        }

        if (newW is not null)
        {
            Graph.SetInput(p, 1, newW);
        }
        if (newBias is not null)
        {
            Graph.SetInput(p, 2, newBias);
            if (p.OpType == "Gemm")
            {
                p.SetAttribute(Attr.Float("beta", 1f));
            }
        }
        var y = follower.Outputs[0];
        edits.Remove(follower);
        g.ReplaceAllUses(y, x);
        return true;
    }

    private static bool IsProducer(Node p) => p.Domain.Length == 0 && p.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul"
        && !p.HasAttribute(Ops.Epilogue.ExprAttr);

    private static long Int(Node n, string name, long fallback) => n.Attributes.TryGetValue(name, out var a) ? a.I : fallback;

    private static long Group(Node n) => Math.Max(1, Int(n, "group", 1));

    /// <summary>The follower as a per-channel affine map of <paramref name="x"/>, or null when it is not one.</summary>
    private static Affine? FollowerAffine(Node f, Value x, int rank, int axis, int channels)
    {
        if (f.Is("BatchNormalization"))
        {
            if (!ReferenceEquals(f.Input(0), x) || Int(f, "training_mode", 0) != 0 || Int(f, "spatial", 1) != 1 || axis != 1
                || f.Outputs.Skip(1).Any(o => o.Consumers.Count > 0))
            {
                return null;
            }
            return BatchNormAffine(f, channels);
        }
        var other = ReferenceEquals(f.Input(0), x) ? f.Input(1) : f.Input(0);
        bool xFirst = ReferenceEquals(f.Input(0), x);
        if (other?.Const is not { DataType: DataType.Float32 } c || ReferenceEquals(other, x))
        {
            return null;
        }
        var vec = ChannelVector(c, rank, axis, channels);
        if (vec is null)
        {
            return null;
        }
        switch (f.OpType)
        {
            case "Mul":
                return new Affine(vec, null);
            case "Div" when xFirst:
                return new Affine(vec.Select(v => 1f / v).ToArray(), null);
            case "Add":
                return new Affine(null, vec);
            case "Sub" when xFirst:
                return new Affine(null, vec.Select(v => -v).ToArray());
            default:
                return null;
        }
    }

    private static Affine? BatchNormAffine(Node bn, int channels)
    {
        var ts = Enumerable.Range(1, 4).Select(i => bn.Input(i)?.Const).ToArray();
        if (ts.Any(t => t is null || t.Rank != 1 || t.Length != channels || !t.DataType.IsFloat()))
        {
            return null;
        }
        float eps = bn.Attributes.TryGetValue("epsilon", out var e) ? e.F : 1e-5f;
        var scale = new float[channels];
        var shift = new float[channels];
        for (int m = 0; m < channels; m++)
        {
            double s = ts[0]!.GetDouble(m) / Math.Sqrt(ts[3]!.GetDouble(m) + eps);
            scale[m] = (float)s;
            shift[m] = (float)(ts[1]!.GetDouble(m) - ts[2]!.GetDouble(m) * s);
        }
        return new Affine(scale, shift);
    }

    /// <summary>
    /// The per-channel values of a constant that broadcasts along axis <paramref name="axis"/> of a rank-<paramref name="rank"/>
    /// result only, expanded to <paramref name="channels"/>; null when it varies along another axis or would grow the rank.
    /// </summary>
    internal static float[]? ChannelVector(Tensor c, int rank, int axis, int channels)
    {
        if (c.Rank > rank)
        {
            return null;
        }
        bool perChannel = false;
        for (int i = 0; i < c.Rank; i++)
        {
            int outAxis = rank - c.Rank + i;
            int d = c.Shape[i];
            if (outAxis == axis && d == channels && d != 1)
            {
                perChannel = true;
            }
            else if (d != 1)
            {
                return null;
            }
        }
        var src = c.ToFloats();
        var vec = new float[channels];
        for (int m = 0; m < channels; m++)
        {
            vec[m] = src[perChannel ? m : 0];
        }
        return vec;
    }

    private static Tensor ScaleWeight(Node p, Tensor w, float[] s, int channels)
    {
        var src = w.Floats;
        var dst = new float[src.Length];
        switch (p.OpType)
        {
            case "Conv":
                {
                    int inner = src.Length / w.Shape[0];
                    for (int i = 0; i < src.Length; i++)
                    {
                        dst[i] = src[i] * s[i / inner];
                    }
                    break;
                }
            case "ConvTranspose":
                {
                    // [C, M/g, k…]: row c belongs to group c / (C/g); column j is output channel group·(M/g) + j.
                    int c = w.Shape[0], mg = w.Shape[1];
                    int k = src.Length / (c * mg);
                    int cPerGroup = c / (int)Group(p);
                    for (int i = 0; i < src.Length; i++)
                    {
                        int row = i / (mg * k), j = i / k % mg;
                        dst[i] = src[i] * s[row / cPerGroup * mg + j];
                    }
                    break;
                }
            case "Gemm" when Int(p, "transB", 0) != 0:
                {
                    int k = w.Shape[1];
                    for (int i = 0; i < src.Length; i++)
                    {
                        dst[i] = src[i] * s[i / k];
                    }
                    break;
                }
            default:
                {
                    // Gemm without transB and MatMul: B is [K, N].
                    for (int i = 0; i < src.Length; i++)
                    {
                        dst[i] = src[i] * s[i % channels];
                    }
                    break;
                }
        }
        return Tensor.FromFloats((int[])w.Shape.Clone(), dst);
    }

    private static float[] ChannelBias(Tensor? bias, int channels, Affine a)
    {
        var r = new float[channels];
        var b = bias?.ToFloats();
        for (int m = 0; m < channels; m++)
        {
            float v = b is null ? 0 : b[m];
            r[m] = v * (a.Scale?[m] ?? 1f) + (a.Shift?[m] ?? 0f);
        }
        return r;
    }

    /// <summary>C' = β·C·s + t, broadcast to [.., N] as needed.</summary>
    private static Tensor GemmBias(Node p, int channels, Affine a)
    {
        var c = p.Input(2)?.Const;
        float beta = p.Attributes.TryGetValue("beta", out var be) ? be.F : 1f;
        if (c is null)
        {
            return Tensor.FromFloats([channels], ChannelBias(null, channels, a));
        }
        // C broadcasts unidirectionally to [M, N]; the result varies with n, so give it an N axis.
        var shape = c.Rank switch
        {
            0 => new[] { channels },
            1 => [channels],
            _ => new[] { c.Shape[0], channels },
        };
        var src = c.ToFloats();
        var dst = new float[shape[0] * (shape.Length == 2 ? shape[1] : 1)];
        int rows = shape.Length == 2 ? shape[0] : 1;
        for (int r = 0; r < rows; r++)
        {
            for (int n = 0; n < channels; n++)
            {
                int ci = c.Rank switch
                {
                    0 => 0,
                    1 => c.Shape[0] == 1 ? 0 : n,
                    _ => (c.Shape[0] == 1 ? 0 : r) * c.Shape[1] + (c.Shape[1] == 1 ? 0 : n),
                };
                dst[r * channels + n] = beta * src[ci] * (a.Scale?[n] ?? 1f) + (a.Shift?[n] ?? 0f);
            }
        }
        return Tensor.FromFloats(shape, dst);
    }

    /// <summary>A BatchNormalization with constant statistics after a non-foldable op: x·s + t (broadcast over axis 1).</summary>
    private static bool TryDecompose(Graph g, NodeEdits edits, Node bn)
    {
        var x = bn.Input(0);
        if (x?.Type is not { Rank: >= 2 } xt || !xt.DataType.IsFloat() || Int(bn, "training_mode", 0) != 0 || Int(bn, "spatial", 1) != 1
            || bn.Outputs.Skip(1).Any(o => !g.IsUnused(o)) || xt.Shape![1] is not { IsKnown: true } cd)
        {
            return false;
        }
        int channels = (int)cd.Value;
        var affine = BatchNormAffine(bn, channels);
        if (affine is null)
        {
            return false;
        }
        var shape = new int[xt.Rank - 1];
        Array.Fill(shape, 1);
        shape[0] = channels;
        var s = g.Constant(Tensor.FromDoubles(xt.DataType, shape, affine.Scale!.Select(v => (double)v).ToArray()), $"{bn.Name}_scale");
        var t = g.Constant(Tensor.FromDoubles(xt.DataType, shape, affine.Shift!.Select(v => (double)v).ToArray()), $"{bn.Name}_shift");
        var y = bn.Outputs[0];
        int at = edits.Position(bn);
        edits.Remove(bn);
        var scaled = g.NewValue($"{bn.Name}_scaled", xt);
        edits.Insert(at, new Node("Mul", g.UniqueName($"{bn.Name}_mul")) { Opset = bn.Opset }, [x, s], [scaled]);
        edits.Insert(at, new Node("Add", g.UniqueName($"{bn.Name}_add")) { Opset = bn.Opset }, [scaled, t], [y]);
        return true;
    }
}
