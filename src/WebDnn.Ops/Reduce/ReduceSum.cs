using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceSum (opset 1, 11, 13, 18): y = Σ x over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceSum : ReduceOp
{
    public override string OpType => "ReduceSum";

    protected override ReduceKind Kind => ReduceKind.Sum;

    protected override int AxesInputSince => 13;
}
