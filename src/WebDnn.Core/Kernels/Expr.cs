namespace WebDnn.Core.Kernels;

/// <summary>Unary scalar operations of <see cref="Expr"/>. Semantics: see <see cref="ExprEvaluator"/>.</summary>
public enum UnaryOp
{
    Neg, Abs, Exp, Log, Sqrt, Reciprocal, Relu, Sigmoid, Tanh, Erf, Floor, Ceil, Round,
    Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Sign, Not, IsNaN, IsInf, IsPosInf, IsNegInf,
    Softplus, Softsign, BitNot,
}

/// <summary>Binary scalar operations of <see cref="Expr"/>. Comparisons and logic ops yield bool.</summary>
public enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Max, Min, Mod, FMod,
    Equal, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or, Xor,
    BitAnd, BitOr, BitXor, ShiftLeft, ShiftRight,
}

/// <summary>
/// A scalar expression tree evaluated once per output element of an elementwise kernel (or an epilogue).
/// Leaves are kernel inputs (broadcast to the output shape) and constants. Every node has a static element type:
/// f32, i32 or bool after lowering (f64/i64 only in the reference evaluator). The same tree is interpreted by
/// the reference evaluator (<see cref="ExprEvaluator"/>) and compiled by every backend, so the semantics live here once.
/// </summary>
public abstract record Expr(DataType Type)
{
    public static Expr In(int index, DataType type) => new InputExpr(index, type);

    public static Expr Const(double value, DataType type) => new ConstExpr(value, type);

    public static Expr Un(UnaryOp op, Expr a) => new UnaryExpr(op, a, op is UnaryOp.Not or UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf ? DataType.Bool : a.Type);

    public static Expr Bin(BinaryOp op, Expr a, Expr b) => new BinaryExpr(op, a, b, op is BinaryOp.Equal or BinaryOp.Less or BinaryOp.LessOrEqual
        or BinaryOp.Greater or BinaryOp.GreaterOrEqual or BinaryOp.And or BinaryOp.Or or BinaryOp.Xor ? DataType.Bool : a.Type);

    public static Expr Select(Expr cond, Expr a, Expr b) => new SelectExpr(cond, a, b, a.Type);

    public static Expr Cast(Expr a, DataType to) => a.Type == to ? a : new CastExpr(a, to);

    /// <summary>Clamp (Clip) as max(min(x, hi), lo); pass NaN-free bounds.</summary>
    public static Expr Clamp(Expr a, double lo, double hi) =>
        Bin(BinaryOp.Max, Bin(BinaryOp.Min, a, Const(hi, a.Type)), Const(lo, a.Type));

    /// <summary>Replaces every <see cref="InputExpr"/> by <paramref name="map"/>(index).</summary>
    public Expr Substitute(Func<InputExpr, Expr> map) => this switch
    {
        InputExpr i => map(i),
        UnaryExpr u => u with { A = u.A.Substitute(map) },
        BinaryExpr b => b with { A = b.A.Substitute(map), B = b.B.Substitute(map) },
        SelectExpr s => s with { Cond = s.Cond.Substitute(map), A = s.A.Substitute(map), B = s.B.Substitute(map) },
        CastExpr c => c with { A = c.A.Substitute(map) },
        _ => this,
    };

    /// <summary>Rewrites every element type with <paramref name="f"/> (lowering narrows i64→i32, f64/f16→f32).</summary>
    public Expr MapTypes(Func<DataType, DataType> f) => this switch
    {
        InputExpr i => new InputExpr(i.Index, f(i.InputType)),
        ConstExpr c => new ConstExpr(c.Value, f(c.ConstType)),
        UnaryExpr u => Un(u.Op, u.A.MapTypes(f)),
        BinaryExpr b => Bin(b.Op, b.A.MapTypes(f), b.B.MapTypes(f)),
        SelectExpr s => Select(s.Cond.MapTypes(f), s.A.MapTypes(f), s.B.MapTypes(f)),
        CastExpr c => Cast(c.A.MapTypes(f), f(c.To)),
        _ => this,
    };

    /// <summary>Number of tree nodes (shared subtrees counted each time), for fusion size limits.</summary>
    public int Size => SizeUpTo(int.MaxValue - 1);

    /// <summary>
    /// <see cref="Size"/>, but counting stops past <paramref name="limit"/> (the result is then limit + 1). A DAG of n
    /// shared nodes can stand for a tree of 2^n, so callers that only compare with a limit must use this.
    /// </summary>
    public int SizeUpTo(int limit)
    {
        int count = 0;
        var pending = new Stack<Expr>();
        pending.Push(this);
        while (pending.Count > 0 && count <= limit)
        {
            count++;
            switch (pending.Pop())
            {
                case UnaryExpr u: pending.Push(u.A); break;
                case BinaryExpr b: pending.Push(b.A); pending.Push(b.B); break;
                case SelectExpr s: pending.Push(s.Cond); pending.Push(s.A); pending.Push(s.B); break;
                case CastExpr c: pending.Push(c.A); break;
                default: break;
            }
        }
        return count;
    }

    /// <summary>Largest input index used, or -1.</summary>
    public int MaxInput => this switch
    {
        InputExpr i => i.Index,
        UnaryExpr u => u.A.MaxInput,
        BinaryExpr b => Math.Max(b.A.MaxInput, b.B.MaxInput),
        SelectExpr s => Math.Max(s.Cond.MaxInput, Math.Max(s.A.MaxInput, s.B.MaxInput)),
        CastExpr c => c.A.MaxInput,
        _ => -1,
    };
}

public sealed record InputExpr(int Index, DataType InputType) : Expr(InputType)
{
    public override string ToString() => $"in{Index}";
}

public sealed record ConstExpr(double Value, DataType ConstType) : Expr(ConstType)
{
    public override string ToString() => Value.ToString("R");
}

public sealed record UnaryExpr(UnaryOp Op, Expr A, DataType ResultType) : Expr(ResultType)
{
    public override string ToString() => $"{Op}({A})";
}

public sealed record BinaryExpr(BinaryOp Op, Expr A, Expr B, DataType ResultType) : Expr(ResultType)
{
    public override string ToString() => $"{Op}({A}, {B})";
}

public sealed record SelectExpr(Expr Cond, Expr A, Expr B, DataType ResultType) : Expr(ResultType)
{
    public override string ToString() => $"Select({Cond}, {A}, {B})";
}

public sealed record CastExpr(Expr A, DataType To) : Expr(To)
{
    public override string ToString() => $"Cast<{To.ShortName()}>({A})";
}
