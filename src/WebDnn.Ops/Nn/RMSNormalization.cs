using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX RMSNormalization (opset 23): with X viewed as [Π d[&lt;axis], Π d[≥axis]] (axis default -1),
/// y = x / sqrt(mean(x²) + epsilon) · scale per row (epsilon default 1e-5; scale broadcasts to the normalized dims).
/// Statistics in double (stash_type only asks for at least f32). NaN in a row makes the whole row NaN.
/// Lowers to elementwise x² → reduce Mean over the normalized axes → elementwise x · 1/√(m + ε) · scale.
/// </summary>
public sealed class RMSNormalization : OpDef
{
    public override string OpType => "RMSNormalization";

    public override int SinceVersion => 23;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        if (x.Shape is not null)
        {
            ctx.Axis(ctx.Int("axis", -1), x.Rank);
        }
        ctx.SetOutput(0, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int axis = ctx.Axis(ctx.Int("axis", -1), x.Rank);
        int outer = x.Shape[..axis].Aggregate(1, (a, b) => a * b);
        int n = x.Shape[axis..].Aggregate(1, (a, b) => a * b);
        var normShape = x.Shape[axis..];
        var scale = ctx.Input(1);
        if (!Shapes.Broadcast(ctx, normShape, scale.Shape).SequenceEqual(normShape))
        {
            throw ctx.Error($"scale [{string.Join(",", scale.Shape)}] does not broadcast to the normalized shape [{string.Join(",", normShape)}]");
        }
        var s = new double[n];
        Shapes.ForEachBroadcast(normShape, [scale.Shape], (o, offs) => s[o] = scale.GetDouble(offs[0]));
        var xv = x.ToDoubles();
        var y = new double[xv.Length];
        double eps = ctx.Float("epsilon", 1e-5f);
        for (int r = 0; r < outer; r++)
        {
            int b = r * n;
            double ss = 0;
            for (int k = 0; k < n; k++)
            {
                ss += xv[b + k] * xv[b + k];
            }
            double inv = 1 / Math.Sqrt(ss / n + eps);
            for (int k = 0; k < n; k++)
            {
                y[b + k] = xv[b + k] * inv * s[k];
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
    }

    public override bool Lower(LowerContext ctx)
    {
        var xs = ctx.InputShape(0);
        int axis = ctx.Axis(ctx.Int("axis", -1), xs.Length);
        if (ctx.InputShape(1).Length > xs.Length)
        {
            ctx.Unsupported("scale has a higher rank than X");
            return false;
        }
        var f = DataType.Float32;
        var sq = ctx.Temp(f, xs);
        ctx.Emit(new ElementwiseKernel(Expr.Bin(BinaryOp.Mul, Expr.In(0, f), Expr.In(0, f))) { Inputs = [ctx.Input(0)], Outputs = [sq] });
        int[] ms = [.. xs[..axis], .. Enumerable.Repeat(1, xs.Length - axis)];
        var mean = ctx.Temp(f, ms);
        ctx.Emit(new ReduceKernel(ReduceKind.Mean, [.. Enumerable.Range(axis, xs.Length - axis)], false) { Inputs = [sq], Outputs = [mean] });
        var inv = Expr.Un(UnaryOp.Reciprocal, Expr.Un(UnaryOp.Sqrt, Expr.Bin(BinaryOp.Add, Expr.In(1, f), Expr.Const(ctx.Float("epsilon", 1e-5f), f))));
        var body = Expr.Bin(BinaryOp.Mul, Expr.Bin(BinaryOp.Mul, Expr.In(0, f), inv), Expr.In(2, f));
        ctx.Emit(new ElementwiseKernel(body) { Inputs = [ctx.Input(0), mean, ctx.Input(1)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
