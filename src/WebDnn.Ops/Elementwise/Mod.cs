using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Mod (opset 10+) with numpy broadcasting. fmod=0 (integers only): the remainder has the divisor's sign
/// (Python %, numpy.mod). fmod=1: the remainder has the dividend's sign (C fmod; required for floats). x mod 0 is 0 for
/// integers and NaN for floats.
/// </summary>
public sealed class Mod : BinaryOpDef
{
    public override string OpType => "Mod";

    public override int SinceVersion => 10;

    protected override BinaryOp Op => BinaryOp.Mod;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        var e = (BinaryExpr)base.Build(ctx, types, constInput);
        long fmod = ctx.Int("fmod", 0);
        if (fmod is not (0 or 1))
        {
            throw ctx.Error($"fmod must be 0 or 1, got {fmod}");
        }
        return fmod == 1 ? e with { Op = BinaryOp.FMod } : e;
    }
}
