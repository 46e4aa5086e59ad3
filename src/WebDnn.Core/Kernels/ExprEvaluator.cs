namespace WebDnn.Core.Kernels;

/// <summary>
/// The reference semantics of <see cref="Expr"/>. Floats are computed in double and rounded to the node type by
/// the caller; integers in long. Integer Div truncates toward zero; Mod follows the divisor's sign (ONNX Mod fmod=0);
/// FMod follows the dividend's sign. Round is half-to-even. NaN propagates through Max/Min (as ONNX requires).
/// </summary>
public static class ExprEvaluator
{
    /// <summary>Evaluates <paramref name="e"/> with input values given as doubles (ints are exact up to 2^53).</summary>
    public static double Eval(Expr e, ReadOnlySpan<double> inputs)
    {
        switch (e)
        {
            case InputExpr i:
                return inputs[i.Index];
            case ConstExpr c:
                return c.Value;
            case CastExpr c:
                return CastTo(Eval(c.A, inputs), c.A.Type, c.To);
            case SelectExpr s:
                return Eval(s.Cond, inputs) != 0 ? Eval(s.A, inputs) : Eval(s.B, inputs);
            case UnaryExpr u:
                return Unary(u.Op, Eval(u.A, inputs), u.A.Type);
            case BinaryExpr b:
                return Binary(b.Op, Eval(b.A, inputs), Eval(b.B, inputs), b.A.Type);
            default:
                throw new InvalidOperationException($"unknown expression {e}");
        }
    }

    public static double CastTo(double v, DataType from, DataType to)
    {
        if (to == DataType.Bool)
        {
            return v != 0 ? 1 : 0;
        }
        if (to.IsFloat())
        {
            return to switch
            {
                DataType.Float32 => (float)v,
                DataType.Float16 => (double)(Half)v,
                DataType.BFloat16 => BFloat16.ToFloat(BFloat16.FromFloat((float)v)),
                _ => v,
            };
        }
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            return 0;
        }
        double t = Math.Truncate(v);
        unchecked
        {
            return to switch
            {
                DataType.Int8 => (sbyte)(long)t,
                DataType.UInt8 => (byte)(long)t,
                DataType.Int16 => (short)(long)t,
                DataType.UInt16 => (ushort)(long)t,
                DataType.Int32 => (int)(long)t,
                DataType.UInt32 => (uint)(long)t,
                DataType.UInt64 => t < 0 ? (ulong)(long)t : (ulong)t,
                _ => (long)t,
            };
        }
    }

    public static double Unary(UnaryOp op, double x, DataType t) => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Sqrt => Math.Sqrt(x),
        UnaryOp.Reciprocal => 1.0 / x,
        UnaryOp.Relu => x > 0 ? x : (double.IsNaN(x) ? x : 0),
        UnaryOp.Sigmoid => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x)),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Erf => Erf(x),
        UnaryOp.Floor => Math.Floor(x),
        UnaryOp.Ceil => Math.Ceiling(x),
        UnaryOp.Round => Math.Round(x, MidpointRounding.ToEven),
        UnaryOp.Sin => Math.Sin(x),
        UnaryOp.Cos => Math.Cos(x),
        UnaryOp.Tan => Math.Tan(x),
        UnaryOp.Asin => Math.Asin(x),
        UnaryOp.Acos => Math.Acos(x),
        UnaryOp.Atan => Math.Atan(x),
        UnaryOp.Sinh => Math.Sinh(x),
        UnaryOp.Cosh => Math.Cosh(x),
        UnaryOp.Asinh => Math.Asinh(x),
        UnaryOp.Acosh => Math.Acosh(x),
        UnaryOp.Atanh => Math.Atanh(x),
        UnaryOp.Sign => double.IsNaN(x) ? x : Math.Sign(x),
        UnaryOp.Not => x == 0 ? 1 : 0,
        UnaryOp.IsNaN => double.IsNaN(x) ? 1 : 0,
        UnaryOp.IsInf => double.IsInfinity(x) ? 1 : 0,
        UnaryOp.IsPosInf => double.IsPositiveInfinity(x) ? 1 : 0,
        UnaryOp.IsNegInf => double.IsNegativeInfinity(x) ? 1 : 0,
        UnaryOp.Softplus => x > 20 ? x : Math.Log(1 + Math.Exp(x)),
        UnaryOp.Softsign => x / (1 + Math.Abs(x)),
        UnaryOp.BitNot => CastTo(~(long)x, DataType.Int64, t),
        _ => throw new InvalidOperationException($"unknown unary op {op}"),
    };

    public static double Binary(BinaryOp op, double a, double b, DataType t)
    {
        bool isInt = t.IsInteger();
        switch (op)
        {
            case BinaryOp.Add: return isInt ? Wrap((long)a + (long)b, t) : a + b;
            case BinaryOp.Sub: return isInt ? Wrap((long)a - (long)b, t) : a - b;
            case BinaryOp.Mul: return isInt ? Wrap((long)a * (long)b, t) : a * b;
            case BinaryOp.Div:
                if (isInt)
                {
                    return (long)b == 0 ? 0 : Wrap((long)a / (long)b, t);
                }
                return a / b;
            case BinaryOp.Pow: return isInt ? Wrap((long)Math.Pow(a, b), t) : Math.Pow(a, b);
            case BinaryOp.Max: return double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);
            case BinaryOp.Min: return double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Min(a, b);
            case BinaryOp.Mod:
                if (isInt)
                {
                    long la = (long)a, lb = (long)b;
                    if (lb == 0)
                    {
                        return 0;
                    }
                    long r = la % lb;
                    return r != 0 && (r < 0) != (lb < 0) ? r + lb : r;
                }
                else
                {
                    double r = a % b;
                    return r != 0 && (r < 0) != (b < 0) ? r + b : r;
                }
            case BinaryOp.FMod: return isInt ? ((long)b == 0 ? 0 : (long)a % (long)b) : a % b;
            case BinaryOp.Equal: return a == b ? 1 : 0;
            case BinaryOp.Less: return a < b ? 1 : 0;
            case BinaryOp.LessOrEqual: return a <= b ? 1 : 0;
            case BinaryOp.Greater: return a > b ? 1 : 0;
            case BinaryOp.GreaterOrEqual: return a >= b ? 1 : 0;
            case BinaryOp.And: return a != 0 && b != 0 ? 1 : 0;
            case BinaryOp.Or: return a != 0 || b != 0 ? 1 : 0;
            case BinaryOp.Xor: return (a != 0) != (b != 0) ? 1 : 0;
            case BinaryOp.BitAnd: return Wrap((long)a & (long)b, t);
            case BinaryOp.BitOr: return Wrap((long)a | (long)b, t);
            case BinaryOp.BitXor: return Wrap((long)a ^ (long)b, t);
            case BinaryOp.ShiftLeft: return (long)b >= 64 ? 0 : Wrap((long)((ulong)(long)a << (int)(long)b), t);
            case BinaryOp.ShiftRight: return (long)b >= 64 ? 0 : Wrap((long)((ulong)(long)a >> (int)(long)b), t);
            default: throw new InvalidOperationException($"unknown binary op {op}");
        }
    }

    private static double Wrap(long v, DataType t) => CastTo(v, DataType.Int64, t);

    /// <summary>
    /// True when every node of <paramref name="e"/> is integer- or bool-typed, so <see cref="EvalInt"/> evaluates it
    /// exactly (int64/uint64 beyond 2^53 included).
    /// </summary>
    public static bool IsIntegral(Expr e) => (e.Type.IsInteger() || e.Type == DataType.Bool) && e switch
    {
        UnaryExpr u => IsIntegral(u.A),
        BinaryExpr b => IsIntegral(b.A) && IsIntegral(b.B),
        SelectExpr s => IsIntegral(s.Cond) && IsIntegral(s.A) && IsIntegral(s.B),
        CastExpr c => IsIntegral(c.A),
        _ => true,
    };

    /// <summary>
    /// Exact integer evaluation of an <see cref="IsIntegral"/> expression. Values are longs: uint64 as its bit pattern,
    /// narrower types as their value, bool as 0/1; every node result is wrapped to its type. Semantics match
    /// <see cref="Eval"/> (Div truncates, x/0 and x%0 give 0, Mod follows the divisor's sign, FMod the dividend's),
    /// with unsigned division, comparison and shifts for uint64.
    /// </summary>
    public static long EvalInt(Expr e, ReadOnlySpan<long> inputs)
    {
        switch (e)
        {
            case InputExpr i:
                return inputs[i.Index];
            case ConstExpr c:
                return WrapInt(c.ConstType == DataType.UInt64 && c.Value >= 9223372036854775808.0 ? unchecked((long)(ulong)c.Value) : (long)c.Value, c.ConstType);
            case CastExpr c:
                return WrapInt(EvalInt(c.A, inputs), c.To);
            case SelectExpr s:
                return EvalInt(s.Cond, inputs) != 0 ? EvalInt(s.A, inputs) : EvalInt(s.B, inputs);
            case UnaryExpr u:
                return UnaryInt(u.Op, EvalInt(u.A, inputs), u.A.Type);
            case BinaryExpr b:
                return BinaryInt(b.Op, EvalInt(b.A, inputs), EvalInt(b.B, inputs), b.A.Type);
            default:
                throw new InvalidOperationException($"unknown expression {e}");
        }
    }

    /// <summary>Wraps <paramref name="v"/> to the range of <paramref name="t"/> (C# unchecked conversion; bool: v != 0).</summary>
    public static long WrapInt(long v, DataType t) => unchecked(t switch
    {
        DataType.Bool => v != 0 ? 1 : 0,
        DataType.Int8 => (sbyte)v,
        DataType.UInt8 => (byte)v,
        DataType.Int16 => (short)v,
        DataType.UInt16 => (ushort)v,
        DataType.Int32 => (int)v,
        DataType.UInt32 => (uint)v,
        _ => v,
    });

    private static long UnaryInt(UnaryOp op, long x, DataType t) => op switch
    {
        UnaryOp.Neg => WrapInt(unchecked(-x), t),
        UnaryOp.Abs => t == DataType.UInt64 ? x : WrapInt(x < 0 ? unchecked(-x) : x, t),
        UnaryOp.Sign => t == DataType.UInt64 ? (x != 0 ? 1 : 0) : Math.Sign(x),
        UnaryOp.Relu => t == DataType.UInt64 || x > 0 ? x : 0,
        UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round => x,
        UnaryOp.Not => x == 0 ? 1 : 0,
        UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf => 0,
        UnaryOp.BitNot => WrapInt(~x, t),
        _ => WrapInt((long)Unary(op, t == DataType.UInt64 ? (double)(ulong)x : x, t), t),
    };

    private static long BinaryInt(BinaryOp op, long a, long b, DataType t)
    {
        bool u = t == DataType.UInt64;
        unchecked
        {
            switch (op)
            {
                case BinaryOp.Add: return WrapInt(a + b, t);
                case BinaryOp.Sub: return WrapInt(a - b, t);
                case BinaryOp.Mul: return WrapInt(a * b, t);
                case BinaryOp.Div:
                    if (b == 0)
                    {
                        return 0;
                    }
                    return u ? (long)((ulong)a / (ulong)b) : b == -1 ? WrapInt(-a, t) : WrapInt(a / b, t);
                case BinaryOp.Mod:
                case BinaryOp.FMod:
                    {
                        if (b == 0)
                        {
                            return 0;
                        }
                        if (u)
                        {
                            return (long)((ulong)a % (ulong)b);
                        }
                        long r = b == -1 ? 0 : a % b;
                        return op == BinaryOp.Mod && r != 0 && (r < 0) != (b < 0) ? r + b : r;
                    }
                case BinaryOp.Pow: return WrapInt(IntPow(a, b, u), t);
                case BinaryOp.Max: return Cmp(a, b, u) >= 0 ? a : b;
                case BinaryOp.Min: return Cmp(a, b, u) <= 0 ? a : b;
                case BinaryOp.Equal: return a == b ? 1 : 0;
                case BinaryOp.Less: return Cmp(a, b, u) < 0 ? 1 : 0;
                case BinaryOp.LessOrEqual: return Cmp(a, b, u) <= 0 ? 1 : 0;
                case BinaryOp.Greater: return Cmp(a, b, u) > 0 ? 1 : 0;
                case BinaryOp.GreaterOrEqual: return Cmp(a, b, u) >= 0 ? 1 : 0;
                case BinaryOp.And: return a != 0 && b != 0 ? 1 : 0;
                case BinaryOp.Or: return a != 0 || b != 0 ? 1 : 0;
                case BinaryOp.Xor: return (a != 0) != (b != 0) ? 1 : 0;
                case BinaryOp.BitAnd: return WrapInt(a & b, t);
                case BinaryOp.BitOr: return WrapInt(a | b, t);
                case BinaryOp.BitXor: return WrapInt(a ^ b, t);
                case BinaryOp.ShiftLeft: return (ulong)b >= 64 ? 0 : WrapInt((long)((ulong)a << (int)b), t);
                case BinaryOp.ShiftRight: return (ulong)b >= 64 ? 0 : WrapInt((long)((ulong)a >> (int)b), t);
                default: throw new InvalidOperationException($"unknown binary op {op}");
            }
        }
    }

    private static int Cmp(long a, long b, bool unsigned) => unsigned ? ((ulong)a).CompareTo((ulong)b) : a.CompareTo(b);

    /// <summary>Integer power with wrap-around; negative exponents give the truncated value of 1/a^|b| (0 unless |a| = 1).</summary>
    private static long IntPow(long a, long b, bool unsigned)
    {
        if (b < 0 && !unsigned)
        {
            return a == 1 ? 1 : a == -1 ? ((b & 1) == 0 ? 1 : -1) : 0;
        }
        ulong e = (ulong)b;
        long r = 1;
        unchecked
        {
            while (e != 0)
            {
                if ((e & 1) != 0)
                {
                    r *= a;
                }
                a *= a;
                e >>= 1;
            }
        }
        return r;
    }

    /// <summary>erf with ~1e-15 relative accuracy (W. J. Cody's rational approximations via series/continued fraction).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }
        double ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0, term = ax;
            for (int n = 0; n < 60; n++)
            {
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
                term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else if (ax > 6)
        {
            r = 1;
        }
        else
        {
            // Continued fraction for erfc.
            double f = 0;
            for (int n = 60; n >= 1; n--)
            {
                f = n / 2.0 / (ax + f);
            }
            r = 1 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -r : r;
    }
}

/// <summary>
/// An <see cref="Expr"/> prepared for evaluation a block of elements at a time (column-wise: one tight loop per
/// expression node instead of a tree walk per element). Same semantics as <see cref="ExprEvaluator.Eval"/>, whose
/// scalar functions it calls; used by the reference evaluators on large tensors.
/// </summary>
public sealed class ExprBlockPlan
{
    private readonly Step[] _steps;
    private readonly int _result;

    /// <param name="expr">The expression (double semantics; see <see cref="ExprEvaluator.Eval"/>).</param>
    /// <param name="blockSize">The most elements one <see cref="Run"/> evaluates.</param>
    public ExprBlockPlan(Expr expr, int blockSize)
    {
        BlockSize = blockSize;
        var steps = new List<Step>();
        _result = Add(expr, steps);
        _steps = [.. steps];
    }

    public int BlockSize { get; }

    private sealed record Step(Expr Node, int A, int B, int C, double[] Buffer, int Input);

    private int Add(Expr e, List<Step> steps)
    {
        int a = -1, b = -1, c = -1, input = -1;
        switch (e)
        {
            case InputExpr i: input = i.Index; break;
            case UnaryExpr u: a = Add(u.A, steps); break;
            case BinaryExpr bin: a = Add(bin.A, steps); b = Add(bin.B, steps); break;
            case SelectExpr s: c = Add(s.Cond, steps); a = Add(s.A, steps); b = Add(s.B, steps); break;
            case CastExpr cast: a = Add(cast.A, steps); break;
        }
        var buffer = input >= 0 ? [] : new double[BlockSize];
        if (e is ConstExpr k)
        {
            Array.Fill(buffer, k.Value);
        }
        steps.Add(new Step(e, a, b, c, buffer, input));
        return steps.Count - 1;
    }

    /// <summary>
    /// Evaluates <paramref name="n"/> (≤ <see cref="BlockSize"/>) elements: input k of element j is
    /// <c>inputs[k][offsets[k] + j]</c>. Returns the buffer and offset where the n results start.
    /// </summary>
    public (double[] Values, int Offset) Run(double[][] inputs, int[] offsets, int n)
    {
        if (n > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(n), $"at most {BlockSize} elements per block");
        }
        (double[] Arr, int Off) Of(int step) => _steps[step].Input >= 0 ? (inputs[_steps[step].Input], offsets[_steps[step].Input]) : (_steps[step].Buffer, 0);
        foreach (var s in _steps)
        {
            var o = s.Buffer;
            switch (s.Node)
            {
                case UnaryExpr u:
                    {
                        var (a, ao) = Of(s.A);
                        var t = u.A.Type;
                        for (int j = 0; j < n; j++)
                        {
                            o[j] = ExprEvaluator.Unary(u.Op, a[ao + j], t);
                        }
                        break;
                    }
                case BinaryExpr bin:
                    {
                        var (a, ao) = Of(s.A);
                        var (b, bo) = Of(s.B);
                        var t = bin.A.Type;
                        for (int j = 0; j < n; j++)
                        {
                            o[j] = ExprEvaluator.Binary(bin.Op, a[ao + j], b[bo + j], t);
                        }
                        break;
                    }
                case SelectExpr:
                    {
                        var (c, co) = Of(s.C);
                        var (a, ao) = Of(s.A);
                        var (b, bo) = Of(s.B);
                        for (int j = 0; j < n; j++)
                        {
                            o[j] = c[co + j] != 0 ? a[ao + j] : b[bo + j];
                        }
                        break;
                    }
                case CastExpr cast:
                    {
                        var (a, ao) = Of(s.A);
                        for (int j = 0; j < n; j++)
                        {
                            o[j] = ExprEvaluator.CastTo(a[ao + j], cast.A.Type, cast.To);
                        }
                        break;
                    }
            }
        }
        return Of(_result);
    }
}
