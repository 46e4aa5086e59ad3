using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX IsNaN: y = (x is NaN), a bool tensor (opset 9+; float16/bfloat16/float/double inputs).</summary>
public sealed class IsNaN : UnaryOpDef
{
    public override string OpType => "IsNaN";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.IsNaN;
}
