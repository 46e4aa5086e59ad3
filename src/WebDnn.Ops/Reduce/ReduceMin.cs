using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceMin (opset 1, 11, 13, 18, 20): y = min x (NaN propagates; bool inputs from opset 20) over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceMin : ReduceOp
{
    public override string OpType => "ReduceMin";

    protected override ReduceKind Kind => ReduceKind.Min;
}
