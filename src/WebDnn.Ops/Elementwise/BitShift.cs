using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX BitShift (opset 11+, unsigned integers): y = x &lt;&lt; s (direction="LEFT") or x &gt;&gt; s ("RIGHT"), logical,
/// with numpy broadcasting; bits shifted past the type's width are lost, and shifts of 64 or more give 0.
/// </summary>
public sealed class BitShift : BinaryOpDef
{
    public override string OpType => "BitShift";

    public override int SinceVersion => 11;

    protected override BinaryOp Op => BinaryOp.ShiftLeft;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        var e = (BinaryExpr)base.Build(ctx, types, constInput);
        return ctx.Str("direction", "") switch
        {
            "LEFT" => e,
            "RIGHT" => e with { Op = BinaryOp.ShiftRight },
            var d => throw ctx.Error($"direction must be LEFT or RIGHT, got '{d}'"),
        };
    }
}
