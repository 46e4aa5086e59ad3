using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Erf: y = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt; erf(±inf) = ±1, NaN stays NaN (opset 9+).</summary>
public sealed class Erf : UnaryOpDef
{
    public override string OpType => "Erf";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.Erf;
}
