using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Range (opset 11): scalars start, limit, delta of one type; n = max(ceil((limit − start) / delta), 0) and
/// out[i] = start + i·delta (computed exactly in int64 for integer types, in double for floats then rounded to the
/// element type). No lowering (normally folded).
/// </summary>
public sealed class Range : OpDef
{
    public override string OpType => "Range";

    public override int SinceVersion => 11;

    private static long Count(NodeContext ctx, Tensor start, Tensor limit, Tensor delta)
    {
        double n;
        if (start.DataType.IsFloat())
        {
            double s = start.GetDouble(0), l = limit.GetDouble(0), d = delta.GetDouble(0);
            if (d == 0)
            {
                throw ctx.Error("delta is 0");
            }
            n = Math.Ceiling((l - s) / d);
        }
        else
        {
            long s = start.GetLong(0), l = limit.GetLong(0), d = delta.GetLong(0);
            if (d == 0)
            {
                throw ctx.Error("delta is 0");
            }
            long diff = l - s;
            n = diff / d + (diff % d != 0 && (diff < 0) == (d < 0) ? 1 : 0);
        }
        if (double.IsNaN(n) || n > Tensor.MaxElements)
        {
            throw ctx.Error($"the range would have {n} elements");
        }
        return Math.Max((long)n, 0);
    }

    public override void InferTypes(InferContext ctx)
    {
        var t = ctx.InputType(0);
        if (ctx.ConstInput(0) is { } s && ctx.ConstInput(1) is { } l && ctx.ConstInput(2) is { } d)
        {
            ctx.SetOutput(0, t.DataType, [Count(ctx, s, l, d)]);
            return;
        }
        ctx.SetOutput(0, t.DataType, [Dim.Unknown]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var start = ctx.Input(0);
        var delta = ctx.Input(2);
        int n = (int)Count(ctx, start, ctx.Input(1), delta);
        var r = Tensor.Zeros(start.DataType, n);
        for (int i = 0; i < n; i++)
        {
            if (start.DataType.IsFloat())
            {
                r.SetDouble(i, start.GetDouble(0) + i * delta.GetDouble(0));
            }
            else
            {
                r.SetLong(i, start.GetLong(0) + i * delta.GetLong(0));
            }
        }
        ctx.SetOutput(0, r);
    }
}
