using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceSumSquare (opset 1, 11, 13, 18): y = Σ x² over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceSumSquare : ReduceOp
{
    public override string OpType => "ReduceSumSquare";

    protected override ReduceKind Kind => ReduceKind.SumSquare;
}
