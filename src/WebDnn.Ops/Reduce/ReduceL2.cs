using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceL2 (opset 1, 11, 13, 18): y = sqrt(Σ x²) over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceL2 : ReduceOp
{
    public override string OpType => "ReduceL2";

    protected override ReduceKind Kind => ReduceKind.L2;
}
