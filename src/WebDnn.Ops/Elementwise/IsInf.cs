using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX IsInf (opset 10+): a bool tensor, true where x is +inf (if detect_positive, default 1) or -inf (if
/// detect_negative, default 1); NaN is never infinite.
/// </summary>
public sealed class IsInf : ElementwiseOp
{
    public override string OpType => "IsInf";

    public override int SinceVersion => 10;

    public override FusionKind Fusion => FusionKind.ElementWise;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        var x = Expr.In(0, types[0]);
        bool pos = ctx.Int("detect_positive", 1) != 0, neg = ctx.Int("detect_negative", 1) != 0;
        return (pos, neg) switch
        {
            (true, true) => Expr.Un(UnaryOp.IsInf, x),
            (true, false) => Expr.Un(UnaryOp.IsPosInf, x),
            (false, true) => Expr.Un(UnaryOp.IsNegInf, x),
            // Nothing is detected: false everywhere (still reads x so the kernel keeps its shape source).
            _ => Expr.Bin(BinaryOp.And, Expr.Un(UnaryOp.IsPosInf, x), Expr.Un(UnaryOp.IsNegInf, x)),
        };
    }
}
