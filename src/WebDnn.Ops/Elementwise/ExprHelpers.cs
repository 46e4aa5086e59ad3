using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>Shorthands for building the scalar <see cref="Expr"/> trees of the activation ops.</summary>
internal static class ExprHelpers
{
    /// <summary>A constant of the same element type as <paramref name="like"/>.</summary>
    public static Expr C(double value, Expr like) => Expr.Const(value, like.Type);

    public static Expr Add(Expr a, Expr b) => Expr.Bin(BinaryOp.Add, a, b);

    public static Expr Sub(Expr a, Expr b) => Expr.Bin(BinaryOp.Sub, a, b);

    public static Expr Mul(Expr a, Expr b) => Expr.Bin(BinaryOp.Mul, a, b);

    public static Expr Div(Expr a, Expr b) => Expr.Bin(BinaryOp.Div, a, b);

    public static Expr Max(Expr a, Expr b) => Expr.Bin(BinaryOp.Max, a, b);

    public static Expr Min(Expr a, Expr b) => Expr.Bin(BinaryOp.Min, a, b);

    public static Expr Less(Expr a, Expr b) => Expr.Bin(BinaryOp.Less, a, b);

    public static Expr Greater(Expr a, Expr b) => Expr.Bin(BinaryOp.Greater, a, b);

    public static Expr Un(UnaryOp op, Expr a) => Expr.Un(op, a);

    /// <summary>min(max(x, lo), hi): numpy.clip semantics (hi wins when lo &gt; hi; NaN propagates).</summary>
    public static Expr Clip(Expr x, Expr? lo, Expr? hi)
    {
        var r = lo is null ? x : Max(x, lo);
        return hi is null ? r : Min(r, hi);
    }
}
