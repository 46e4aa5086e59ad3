using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Add with numpy broadcasting (opset 7+; the legacy `broadcast` attribute of opset &lt; 7 is not accepted).</summary>
public sealed class Add : BinaryOpDef
{
    public override string OpType => "Add";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Add;
}
