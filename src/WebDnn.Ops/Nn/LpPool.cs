using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX LpPool (opset 2, 11, 18, 22): y = (Σ_window |x|^p)^(1/p), padding contributes 0; p defaults to 2.
/// Opset 18 adds ceil_mode and dilations.
/// </summary>
public sealed class LpPool : PoolOp
{
    public override string OpType => "LpPool";

    protected override PoolKind Kind => PoolKind.Lp;

    protected override int P(NodeContext ctx) => (int)ctx.Int("p", 2);
}
