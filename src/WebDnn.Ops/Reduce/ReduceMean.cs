using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceMean (opset 1, 11, 13, 18): y = Σ x / count (NaN for an empty reduction) over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceMean : ReduceOp
{
    public override string OpType => "ReduceMean";

    protected override ReduceKind Kind => ReduceKind.Mean;
}
