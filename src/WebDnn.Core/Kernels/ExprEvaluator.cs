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
