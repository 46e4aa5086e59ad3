using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceLogSum (opset 1, 11, 13, 18): y = log(Σ x) over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceLogSum : ReduceOp
{
    public override string OpType => "ReduceLogSum";

    protected override ReduceKind Kind => ReduceKind.LogSum;
}
