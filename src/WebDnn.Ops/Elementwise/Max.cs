using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Max (1…N inputs, numpy broadcasting from opset 8): y = elementwise maximum of all inputs; NaN propagates (any NaN input gives NaN), as numpy.maximum.</summary>
public sealed class Max : VariadicOp
{
    public override string OpType => "Max";

    protected override BinaryOp Op => BinaryOp.Max;
}
