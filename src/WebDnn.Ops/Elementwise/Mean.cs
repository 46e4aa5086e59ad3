using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Mean (1…N float inputs, numpy broadcasting from opset 8): y = (in0 + in1 + … + in(N-1)) / N.</summary>
public sealed class Mean : VariadicOp
{
    public override string OpType => "Mean";

    protected override BinaryOp Op => BinaryOp.Add;

    protected override Expr Finish(Expr folded, int count) =>
        count == 1 ? folded : Expr.Bin(BinaryOp.Div, folded, Expr.Const(count, folded.Type));
}
