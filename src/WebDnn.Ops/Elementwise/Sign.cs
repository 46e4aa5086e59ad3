using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Sign: y = -1, 0 or 1 by the sign of x (0 for ±0); NaN stays NaN (opset 9+, numeric types).</summary>
public sealed class Sign : UnaryOpDef
{
    public override string OpType => "Sign";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.Sign;
}
