using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX LogSoftmax (opset 1, 11, 13): y = x - max - log Σ exp(x - max), axis semantics as <see cref="SoftmaxOp"/>.
/// </summary>
public sealed class LogSoftmax : SoftmaxOp
{
    public override string OpType => "LogSoftmax";

    protected override void Row(double[] row, int n) => SoftmaxRow(row, n, true);

    public override bool Lower(LowerContext ctx) => LowerSoftmax(ctx, true);
}
