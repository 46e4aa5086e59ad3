using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX AveragePool (opset 7, 10, 11, 19, 22): y = Σ window / count, where count is the number of in-bounds
/// elements, or with count_include_pad=1 the window positions inside the padded extent [-pad_begin, in + pad_end).
/// Opset 10 adds ceil_mode, opset 19 dilations.
/// </summary>
public sealed class AveragePool : PoolOp
{
    public override string OpType => "AveragePool";

    protected override PoolKind Kind => PoolKind.Average;

    protected override bool CountIncludePad(NodeContext ctx) => ctx.Int("count_include_pad", 0) != 0;
}
