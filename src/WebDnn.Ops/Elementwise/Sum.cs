using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Sum (1…N inputs, numpy broadcasting from opset 8): y = in0 + in1 + … (left to right; integers wrap around on overflow).</summary>
public sealed class Sum : VariadicOp
{
    public override string OpType => "Sum";

    protected override BinaryOp Op => BinaryOp.Add;
}
