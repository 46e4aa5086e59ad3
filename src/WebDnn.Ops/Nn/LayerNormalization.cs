using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX LayerNormalization (opset 17): with X viewed as [Π d[&lt;axis], Π d[≥axis]] (axis default -1),
/// y = (x - μ) / sqrt(σ² + epsilon) · Scale + B per row (population variance; Scale and B broadcast to the normalized
/// dims). Optional outputs Mean and InvStdDev have shape d[&lt;axis] followed by ones. Statistics are computed in
/// double (stash_type=1 asks for at least f32). Lowers to a <see cref="NormKernel"/> when only Y is used.
/// </summary>
public sealed class LayerNormalization : OpDef
{
    public override string OpType => "LayerNormalization";

    public override int SinceVersion => 17;

    private static int AxisOf(NodeContext ctx, int rank) => ctx.Axis(ctx.Int("axis", -1), rank);

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        ctx.SetOutput(0, x);
        var statType = ctx.Int("stash_type", 1) == 1 ? DataType.Float32 : x.DataType;
        if (x.Shape is null)
        {
            ctx.SetOutput(1, statType, null);
            ctx.SetOutput(2, statType, null);
            return;
        }
        int axis = AxisOf(ctx, x.Rank);
        Dim[] st = [.. x.Shape[..axis], .. Enumerable.Repeat(Dim.Of(1), x.Rank - axis)];
        ctx.SetOutput(1, statType, st);
        ctx.SetOutput(2, statType, st);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int axis = AxisOf(ctx, x.Rank);
        int outer = x.Shape[..axis].Aggregate(1, (a, b) => a * b);
        int n = x.Shape[axis..].Aggregate(1, (a, b) => a * b);
        var (y, mean, inv) = NormCommon.Rows(x.ToDoubles(), outer, n, ctx.Float("epsilon", 1e-5f));
        var normShape = x.Shape[axis..];
        var scale = Expand(ctx, ctx.Input(1), normShape);
        var bias = ctx.OptionalInput(2) is { } b ? Expand(ctx, b, normShape) : null;
        for (int i = 0; i < y.Length; i++)
        {
            int k = i % n;
            y[i] = y[i] * scale[k] + (bias?[k] ?? 0);
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
        var statType = ctx.Int("stash_type", 1) == 1 ? DataType.Float32 : x.DataType;
        int[] st = [.. x.Shape[..axis], .. Enumerable.Repeat(1, x.Rank - axis)];
        ctx.SetOutput(1, Tensor.FromDoubles(statType, st, mean));
        ctx.SetOutput(2, Tensor.FromDoubles(statType, st, inv));
    }

    /// <summary>Broadcasts <paramref name="t"/> to <paramref name="shape"/> (numpy rules) as doubles.</summary>
    private static double[] Expand(NodeContext ctx, Tensor t, int[] shape)
    {
        var outShape = Shapes.Broadcast(ctx, shape, t.Shape);
        if (!outShape.SequenceEqual(shape))
        {
            throw ctx.Error($"[{string.Join(",", t.Shape)}] does not broadcast to the normalized shape [{string.Join(",", shape)}]");
        }
        var r = new double[Tensor.ElementCount(shape)];
        Shapes.ForEachBroadcast(shape, [t.Shape], (o, offs) => r[o] = t.GetDouble(offs[0]));
        return r;
    }

    public override bool Lower(LowerContext ctx)
    {
        if (ctx.OutputUsed(1) || ctx.OutputUsed(2))
        {
            ctx.Unsupported("LayerNormalization's Mean/InvStdDev outputs have no kernel lowering");
            return false;
        }
        var xs = ctx.InputShape(0);
        int axis = AxisOf(ctx, xs.Length);
        int outer = xs[..axis].Aggregate(1, (a, b) => a * b);
        int n = xs[axis..].Aggregate(1, (a, b) => a * b);
        var inputs = new List<KernelBuffer> { ctx.Input(0) };
        bool hasBias = ctx.HasInput(2);
        foreach (var i in hasBias ? new[] { 1, 2 } : [1])
        {
            if (Tensor.ElementCount(ctx.InputShape(i)) == n)
            {
                inputs.Add(NormCommon.View(ctx, ctx.Input(i), [n]));
            }
            else if (ctx.ConstInput(i) is { } t)
            {
                inputs.Add(NormCommon.Weight(ctx, [n], Expand(ctx, t, xs[axis..]).Select(v => (float)v).ToArray()));
            }
            else
            {
                ctx.Unsupported("a broadcast non-constant Scale/B has no kernel lowering");
                return false;
            }
        }
        ctx.Emit(new NormKernel(outer, n, ctx.Float("epsilon", 1e-5f), true, hasBias, false, 0) { Inputs = [.. inputs], Outputs = [ctx.Output(0)] });
        return true;
    }
}
