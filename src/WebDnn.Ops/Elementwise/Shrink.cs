using WebDnn.Core;
using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Shrink (opset 9+): y = x &lt; -lambd ? x + bias : x &gt; lambd ? x - bias : 0, lambd defaulting to 0.5 and
/// bias to 0. Defined on every numeric type (integers included); NaN gives 0.
/// </summary>
public sealed class Shrink : ActivationOp
{
    public override string OpType => "Shrink";

    public override int SinceVersion => 9;

    protected override Expr Formula(NodeContext ctx, Expr x)
    {
        double lambd = ctx.Float("lambd", 0.5f), bias = ctx.Float("bias", 0f);
        if (x.Type.IsFloat())
        {
            return Expr.Select(Less(x, C(-lambd, x)), Add(x, C(bias, x)),
                Expr.Select(Greater(x, C(lambd, x)), Sub(x, C(bias, x)), C(0, x)));
        }
        // Integers: compare against integral thresholds (x < -l ⇔ x < ceil(-l)); a fractional bias is added in
        // floating point and truncated back, as numpy's astype does.
        var xb = bias == Math.Floor(bias) ? x : Expr.Cast(x, DataType.Float64);
        var shifted = Expr.Select(Less(x, C(Math.Ceiling(-lambd), x)), Add(xb, C(bias, xb)),
            Expr.Select(Greater(x, C(Math.Floor(lambd), x)), Sub(xb, C(bias, xb)), C(0, xb)));
        return Expr.Cast(shifted, x.Type);
    }
}
