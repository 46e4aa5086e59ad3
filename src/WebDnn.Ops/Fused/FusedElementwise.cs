using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Fused;

/// <summary>
/// com.webdnn.Elementwise: a chain of elementwise ops fused by the optimizer into one <see cref="Expr"/>
/// (attribute "expr"; its in-i is node input i). Never appears in model files.
/// </summary>
public sealed class FusedElementwise : ElementwiseOp
{
    public const string DomainName = "com.webdnn";

    public override string OpType => "Elementwise";

    public override string Domain => DomainName;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        var e = ctx.ExprAttr("expr") ?? throw ctx.Error("missing attribute 'expr'");
        // Retype the leaves to the actual input types (lowering narrows i64 to i32, f64 to f32).
        return Retype(e, types);
    }

    private static Expr Retype(Expr e, DataType[] types) => e switch
    {
        InputExpr i => Expr.In(i.Index, types[i.Index]),
        ConstExpr c => c,
        UnaryExpr u => Expr.Un(u.Op, Retype(u.A, types)),
        BinaryExpr b => Expr.Bin(b.Op, Retype(b.A, types), Retype(b.B, types)),
        SelectExpr s => Expr.Select(Retype(s.Cond, types), Retype(s.A, types), Retype(s.B, types)),
        CastExpr c => Expr.Cast(Retype(c.A, types), c.To),
        _ => e,
    };
}
