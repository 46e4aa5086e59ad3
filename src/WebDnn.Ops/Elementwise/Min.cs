using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Min (1…N inputs, numpy broadcasting from opset 8): y = elementwise minimum of all inputs; NaN propagates (any NaN input gives NaN), as numpy.minimum.</summary>
public sealed class Min : VariadicOp
{
    public override string OpType => "Min";

    protected override BinaryOp Op => BinaryOp.Min;
}
