using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceLogSumExp (opset 1, 11, 13, 18): y = log(Σ exp(x)), computed as max + log Σ exp(x - max) over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceLogSumExp : ReduceOp
{
    public override string OpType => "ReduceLogSumExp";

    protected override ReduceKind Kind => ReduceKind.LogSumExp;
}
