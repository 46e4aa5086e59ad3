using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceL1 (opset 1, 11, 13, 18): y = Σ |x| over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceL1 : ReduceOp
{
    public override string OpType => "ReduceL1";

    protected override ReduceKind Kind => ReduceKind.L1;
}
