using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>ONNX GlobalLpPool (opset 2+): y[n, c, 1, …] = (Σ |x[n, c, …]|^p)^(1/p) over all spatial positions; p defaults to 2.</summary>
public sealed class GlobalLpPool : PoolOp
{
    public override string OpType => "GlobalLpPool";

    protected override PoolKind Kind => PoolKind.Lp;

    protected override bool Global => true;

    protected override int P(NodeContext ctx) => (int)ctx.Int("p", 2);
}
