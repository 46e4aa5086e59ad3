using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Where (opset 9+): y = condition ? x : y, all three broadcast numpy-style; condition is bool, x and y share a type.</summary>
public sealed class Where : ElementwiseOp
{
    public override string OpType => "Where";

    public override int SinceVersion => 9;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        if (types.Length != 3)
        {
            throw ctx.Error($"expects 3 inputs (condition, X, Y), got {types.Length}");
        }
        if (types[0] != DataType.Bool)
        {
            throw ctx.Error($"condition must be bool, got {types[0].ShortName()}");
        }
        if (types[1] != types[2])
        {
            throw ctx.Error($"X is {types[1].ShortName()} but Y is {types[2].ShortName()}");
        }
        return Expr.Select(Expr.In(0, types[0]), Expr.In(1, types[1]), Expr.In(2, types[2]));
    }
}
