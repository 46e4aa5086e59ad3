using WebDnn.Core;
using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Clip: y = min(max(x, lo), hi) (numpy.clip: when lo &gt; hi every element becomes hi; NaN stays NaN).
/// Opset &lt; 11: bounds are the float attributes min/max (default ∓inf). Opset 11+: bounds are the optional scalar
/// inputs 1 and 2 (absent = no bound; opset 12 adds integer types). Constant bounds are folded into the expression;
/// others become extra elementwise inputs.
/// </summary>
public sealed class Clip : ElementwiseOp
{
    public override string OpType => "Clip";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.ElementWise;

    protected override bool IsFoldedInput(NodeContext ctx, int index) => index > 0 && ctx.Node.Input(index)?.Const is not null;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        var x = Expr.In(0, types[0]);
        if (ctx.Opset < 11)
        {
            float min = ctx.Float("min", float.NegativeInfinity), max = ctx.Float("max", float.PositiveInfinity);
            return Clip(x, float.IsNegativeInfinity(min) ? null : C(min, x), float.IsPositiveInfinity(max) ? null : C(max, x));
        }
        int next = 1;
        Expr? Bound(int slot)
        {
            if (!ctx.HasInput(slot))
            {
                return null;
            }
            if (IsFoldedInput(ctx, slot))
            {
                var t = constInput(slot) ?? throw ctx.Error($"input {slot} should be constant");
                if (t.Length != 1)
                {
                    throw ctx.Error($"{(slot == 1 ? "min" : "max")} must be a scalar, got shape [{string.Join(",", t.Shape)}]");
                }
                if (t.DataType != types[0])
                {
                    throw ctx.Error($"{(slot == 1 ? "min" : "max")} is {t.DataType.ShortName()} but input is {types[0].ShortName()}");
                }
                return C(t.GetDouble(0), x);
            }
            return Expr.In(next, types[next++]);
        }
        var lower = Bound(1);
        var upper = Bound(2);
        return Clip(x, lower, upper);
    }
}
