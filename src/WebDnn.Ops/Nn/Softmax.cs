using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Softmax (opset 1, 11, 13): y = exp(x - max) / Σ exp(x - max) over the axis (opset ≥ 13, default -1) or over
/// the coerced 2-D rows (opset &lt; 13, default axis 1); see <see cref="SoftmaxOp"/>. A NaN in a row makes the row NaN.
/// </summary>
public sealed class Softmax : SoftmaxOp
{
    public override string OpType => "Softmax";

    protected override void Row(double[] row, int n) => SoftmaxRow(row, n, false);

    public override bool Lower(LowerContext ctx) => LowerSoftmax(ctx, false);
}
