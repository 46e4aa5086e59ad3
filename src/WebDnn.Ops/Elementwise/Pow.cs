using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Pow: y = x ^ exponent with numpy broadcasting; the result has x's element type (opset 12+ allows the
/// exponent to be of another numeric type). Float x: IEEE pow in double (0^0 = 1, negative base with a
/// fractional exponent = NaN), rounded to x's type. Integer x with an integer exponent: exact power with wrap-around;
/// with a float exponent: computed in floating point and truncated toward zero.
/// </summary>
public sealed class Pow : ElementwiseOp
{
    public override string OpType => "Pow";

    public override int SinceVersion => 7;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        if (types.Length != 2)
        {
            throw ctx.Error($"expects 2 inputs, got {types.Length}");
        }
        Expr x = Expr.In(0, types[0]), e = Expr.In(1, types[1]);
        if (types[0] == types[1])
        {
            return Expr.Bin(BinaryOp.Pow, x, e);
        }
        if (types[0].IsFloat() || !types[1].IsFloat())
        {
            // The exponent converts to the base's type (int → float is exact enough; int → int keeps the value).
            return Expr.Bin(BinaryOp.Pow, x, Expr.Cast(e, types[0]));
        }
        // Integer base, float exponent: numpy computes in floating point, then casts back.
        return Expr.Cast(Expr.Bin(BinaryOp.Pow, Expr.Cast(x, types[1]), e), types[0]);
    }
}
