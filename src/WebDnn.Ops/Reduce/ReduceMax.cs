using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceMax (opset 1, 11, 13, 18, 20): y = max x (NaN propagates; bool inputs from opset 20) over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceMax : ReduceOp
{
    public override string OpType => "ReduceMax";

    protected override ReduceKind Kind => ReduceKind.Max;
}
