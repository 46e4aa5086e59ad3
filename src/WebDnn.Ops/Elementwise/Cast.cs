using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Cast to the element type of attribute `to` (<see cref="ExprEvaluator.CastTo"/>): float → integer truncates
/// toward zero (NaN/±inf give 0, out-of-range values wrap as C# unchecked casts do), integer → integer wraps, x → bool
/// is x != 0 (NaN → true), float → narrower float rounds to nearest even. Strings, float8/float4 and 4-/2-bit integer
/// types (opset 19+/21+) are not supported; the `saturate` attribute (float8 only) is ignored.
/// </summary>
public sealed class Cast : ElementwiseOp
{
    public override string OpType => "Cast";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.ElementWise;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput) =>
        Expr.Cast(Expr.In(0, types[0]), TargetType(ctx, ctx.Int("to")));

    /// <summary>Validates an ONNX element type code used as a cast target.</summary>
    internal static DataType TargetType(NodeContext ctx, long code)
    {
        if (code == (long)DataType.String)
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: casts to string are not supported");
        }
        if (code is < 1 or > int.MaxValue || !DataTypes.IsKnown((int)code))
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: cast to ONNX element type {code} is not supported (float8/float4/int4/int2 types are not)");
        }
        return (DataType)code;
    }
}
