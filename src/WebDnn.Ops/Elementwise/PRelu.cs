using WebDnn.Core;
using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX PRelu: y = x &lt; 0 ? slope * x : x, with slope (input 1) broadcast to x's shape (unidirectional broadcasting;
/// opset 16 adds integer types). NaN stays NaN.
/// </summary>
public sealed class PRelu : ElementwiseOp
{
    public override string OpType => "PRelu";

    public override int SinceVersion => 7;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        if (types.Length != 2)
        {
            throw ctx.Error($"expects 2 inputs (X, slope), got {types.Length}");
        }
        if (types[0] != types[1])
        {
            throw ctx.Error($"X is {types[0].ShortName()} but slope is {types[1].ShortName()}");
        }
        var x = Expr.In(0, types[0]);
        return Expr.Select(Less(x, C(0, x)), Mul(x, Expr.In(1, types[1])), x);
    }

    public override void InferTypes(InferContext ctx)
    {
        base.InferTypes(ctx);
        // Unidirectional broadcasting: the result has X's shape; the slope may not enlarge it.
        var x = ctx.InputType(0).Shape;
        var y = ctx.Node.Outputs[0].Type?.Shape;
        if (x is not null && y is not null && (x.Length != y.Length || x.Zip(y).Any(p => p.First.IsKnown && p.Second.IsKnown && p.First.Value != p.Second.Value)))
        {
            throw ctx.Error($"slope of shape [{string.Join(",", ctx.InputType(1).Shape ?? [])}] does not broadcast to X's shape [{string.Join(",", x)}]");
        }
    }
}
