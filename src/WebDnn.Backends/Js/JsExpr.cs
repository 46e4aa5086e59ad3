using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Js;

/// <summary>
/// Compiles an <see cref="Expr"/> to one inline JavaScript expression with the semantics of <see cref="ExprEvaluator"/>:
/// floats are computed in double (the f32 store rounds, as the reference's caller does; casts to f32 use Math.fround),
/// i32 results wrap with <c>|0</c> / Math.imul, bools are the numbers 0 and 1. Operations that would evaluate an operand
/// twice call the helpers of <see cref="JsPrelude"/>.
/// </summary>
internal static class JsExpr
{
    /// <summary>Compiles <paramref name="e"/>; <paramref name="input"/> gives the JS expression of input i (a local or a load).</summary>
    public static string Compile(Expr e, Func<int, string> input) => e switch
    {
        InputExpr i => input(i.Index),
        ConstExpr c => c.Type == DataType.Bool ? (c.Value != 0 ? "1" : "0") : JsCode.Num(c.Type.IsFloat() ? c.Value : Math.Truncate(c.Value)),
        CastExpr c => Cast(Compile(c.A, input), c.A.Type, c.To),
        SelectExpr s => $"({Compile(s.Cond, input)} !== 0 ? {Compile(s.A, input)} : {Compile(s.B, input)})",
        UnaryExpr u => Unary(u.Op, Compile(u.A, input), u.A.Type),
        BinaryExpr b => Binary(b.Op, Compile(b.A, input), Compile(b.B, input), b.A.Type),
        _ => throw new NotSupportedException($"expression node {e.GetType().Name}"),
    };

    private static string Cast(string a, DataType from, DataType to)
    {
        if (to == DataType.Bool)
        {
            return $"({a} !== 0 ? 1 : 0)";
        }
        if (to.IsFloat())
        {
            return to == DataType.Float32 ? $"Math.fround({a})" : a;
        }
        // ToInt32 is exactly the reference's cast: NaN/±Inf → 0, truncate, wrap modulo 2^32.
        return from.IsFloat() ? $"({a} | 0)" : a;
    }

    private static string Unary(UnaryOp op, string a, DataType t)
    {
        bool isInt = t.IsInteger();
        string r = op switch
        {
            UnaryOp.Neg => $"(-{a})",
            UnaryOp.Abs => $"Math.abs({a})",
            UnaryOp.Exp => $"Math.exp({a})",
            UnaryOp.Log => $"Math.log({a})",
            UnaryOp.Sqrt => $"Math.sqrt({a})",
            UnaryOp.Reciprocal => $"(1 / {a})",
            UnaryOp.Relu => $"relu({a})",
            UnaryOp.Sigmoid => $"sigmoid({a})",
            UnaryOp.Tanh => $"Math.tanh({a})",
            UnaryOp.Erf => $"erf({a})",
            UnaryOp.Floor => $"Math.floor({a})",
            UnaryOp.Ceil => $"Math.ceil({a})",
            UnaryOp.Round => $"roundEven({a})",
            UnaryOp.Sin => $"Math.sin({a})",
            UnaryOp.Cos => $"Math.cos({a})",
            UnaryOp.Tan => $"Math.tan({a})",
            UnaryOp.Asin => $"Math.asin({a})",
            UnaryOp.Acos => $"Math.acos({a})",
            UnaryOp.Atan => $"Math.atan({a})",
            UnaryOp.Sinh => $"Math.sinh({a})",
            UnaryOp.Cosh => $"Math.cosh({a})",
            UnaryOp.Asinh => $"Math.asinh({a})",
            UnaryOp.Acosh => $"Math.acosh({a})",
            UnaryOp.Atanh => $"Math.atanh({a})",
            UnaryOp.Sign => $"Math.sign({a})",
            UnaryOp.Not => $"({a} === 0 ? 1 : 0)",
            UnaryOp.IsNaN => $"(Number.isNaN({a}) ? 1 : 0)",
            UnaryOp.IsInf => $"isInf({a})",
            UnaryOp.IsPosInf => $"({a} === Infinity ? 1 : 0)",
            UnaryOp.IsNegInf => $"({a} === -Infinity ? 1 : 0)",
            UnaryOp.Softplus => $"softplus({a})",
            UnaryOp.Softsign => $"softsign({a})",
            UnaryOp.BitNot => $"(~{a})",
            _ => throw new NotSupportedException($"unary op {op}"),
        };
        return isInt && op is not (UnaryOp.Not or UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf or UnaryOp.BitNot)
            ? $"({r} | 0)" : r;
    }

    private static string Binary(BinaryOp op, string a, string b, DataType t)
    {
        if (t.IsInteger())
        {
            return op switch
            {
                BinaryOp.Add => $"(({a} + {b}) | 0)",
                BinaryOp.Sub => $"(({a} - {b}) | 0)",
                BinaryOp.Mul => $"Math.imul({a}, {b})",
                // x/0 is ±Inf or NaN, and ToInt32 maps both to 0 as the reference does.
                BinaryOp.Div => $"(({a} / {b}) | 0)",
                BinaryOp.Pow => $"(Math.pow({a}, {b}) | 0)",
                BinaryOp.Mod => $"imod({a}, {b})",
                BinaryOp.FMod => $"(({a} % {b}) | 0)",
                BinaryOp.Max => $"Math.max({a}, {b})",
                BinaryOp.Min => $"Math.min({a}, {b})",
                BinaryOp.BitAnd => $"({a} & {b})",
                BinaryOp.BitOr => $"({a} | {b})",
                BinaryOp.BitXor => $"({a} ^ {b})",
                BinaryOp.ShiftLeft => $"shl({a}, {b})",
                BinaryOp.ShiftRight => $"shr({a}, {b})",
                _ => Common(op, a, b),
            };
        }
        return op switch
        {
            BinaryOp.Add => $"({a} + {b})",
            BinaryOp.Sub => $"({a} - {b})",
            BinaryOp.Mul => $"({a} * {b})",
            BinaryOp.Div => $"({a} / {b})",
            BinaryOp.Pow => $"Math.pow({a}, {b})",
            BinaryOp.Mod => $"fmodFloor({a}, {b})",
            BinaryOp.FMod => $"({a} % {b})",
            BinaryOp.Max => $"Math.max({a}, {b})",
            BinaryOp.Min => $"Math.min({a}, {b})",
            _ => Common(op, a, b),
        };
    }

    private static string Common(BinaryOp op, string a, string b) => op switch
    {
        BinaryOp.Equal => $"({a} === {b} ? 1 : 0)",
        BinaryOp.Less => $"({a} < {b} ? 1 : 0)",
        BinaryOp.LessOrEqual => $"({a} <= {b} ? 1 : 0)",
        BinaryOp.Greater => $"({a} > {b} ? 1 : 0)",
        BinaryOp.GreaterOrEqual => $"({a} >= {b} ? 1 : 0)",
        BinaryOp.And => $"({a} !== 0 && {b} !== 0 ? 1 : 0)",
        BinaryOp.Or => $"({a} !== 0 || {b} !== 0 ? 1 : 0)",
        BinaryOp.Xor => $"(({a} !== 0) !== ({b} !== 0) ? 1 : 0)",
        _ => throw new NotSupportedException($"binary op {op}"),
    };
}
