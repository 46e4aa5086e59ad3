using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu;

/// <summary>
/// Compiles an <see cref="Expr"/> to one WGSL expression with the semantics of <see cref="ExprEvaluator"/> as far as f32
/// allows: i32 arithmetic wraps, division and remainder by zero give 0, NaN tests look at the bits (a compiler may
/// assume no NaN in float comparisons), Max/Min propagate NaN, Pow of a negative base with an integral exponent keeps
/// its sign. Operations needing a helper add it to the module once (<see cref="WgslWriter.Helper"/>).
/// </summary>
internal static class WgslExpr
{
    public static string Compile(WgslWriter w, Expr e, Func<int, string> input) => e switch
    {
        InputExpr i => input(i.Index),
        ConstExpr c => Const(c.Value, c.Type),
        CastExpr c => Cast(Compile(w, c.A, input), c.A.Type, c.To),
        SelectExpr s => $"select({Compile(w, s.B, input)}, {Compile(w, s.A, input)}, {Compile(w, s.Cond, input)})",
        UnaryExpr u => Unary(w, u.Op, Compile(w, u.A, input), u.A.Type),
        BinaryExpr b => Binary(w, b, Compile(w, b.A, input), Compile(w, b.B, input), b.A.Type),
        _ => throw new NotSupportedException($"expression node {e.GetType().Name}"),
    };

    public static string Const(double v, DataType t) => t switch
    {
        DataType.Bool => v != 0 ? "true" : "false",
        DataType.Int32 => WgslWriter.I32((long)Math.Truncate(v)),
        _ => WgslWriter.F32(v),
    };

    private static string Cast(string a, DataType from, DataType to)
    {
        if (from == to)
        {
            return a;
        }
        if (to == DataType.Bool)
        {
            return from == DataType.Float32 ? $"({a} != 0f)" : $"({a} != 0i)";
        }
        if (to == DataType.Float32)
        {
            return $"f32({a})";
        }
        return $"i32({a})";
    }

    internal const string Bits = """
        fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
        fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
        """;

    private static string Unary(WgslWriter w, UnaryOp op, string a, DataType t)
    {
        if (t == DataType.Int32)
        {
            switch (op)
            {
                case UnaryOp.Neg: return $"(-{a})";
                case UnaryOp.Abs: return $"abs({a})";
                case UnaryOp.Sign: return $"sign({a})";
                case UnaryOp.BitNot: return $"(~{a})";
                case UnaryOp.Relu: return $"max({a}, 0i)";
                case UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round: return a;
                case UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf: return "false";
                case UnaryOp.Not: return $"({a} == 0i)";
                default: return $"i32({Unary(w, op, $"f32({a})", DataType.Float32)})";
            }
        }
        if (t == DataType.Bool)
        {
            return op == UnaryOp.Not ? $"(!{a})" : throw new NotSupportedException($"webgpu backend: {op} of bool");
        }
        switch (op)
        {
            case UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf or UnaryOp.Relu or UnaryOp.Sigmoid or UnaryOp.Softplus or UnaryOp.Erf or UnaryOp.Tanh:
                w.Helper("bits", Bits);
                break;
        }
        switch (op)
        {
            case UnaryOp.Relu:
                w.Helper("relu", "fn relu(x: f32) -> f32 { return select(0f, x, x > 0f || is_nan(x)); }");
                break;
            case UnaryOp.Sigmoid:
                w.Helper("sigmoid", "fn sigmoid(x: f32) -> f32 { if (x >= 0f) { return 1f / (1f + exp(-x)); } let e = exp(x); return e / (1f + e); }");
                break;
            case UnaryOp.Softplus:
                // max(x, 0) + log1p(e^-|x|), log1p by Goldberg's trick: exact enough where 1 + e rounds (x very negative).
                w.Helper("softplus", """
                    fn softplus(x: f32) -> f32 {
                      if (x > 20f || is_nan(x)) { return x; }
                      let e = exp(-abs(x));
                      let u = 1f + e;
                      let l = select(log(u) * e / (u - 1f), e, u == 1f);
                      return max(x, 0f) + l;
                    }
                    """);
                break;
            case UnaryOp.Tanh:
                // tanh(x) = sign(x)(1 - e^-2|x|)/(1 + e^-2|x|): no overflow, unlike some drivers' built-in for large |x|.
                w.Helper("tanh", "fn tanh_(x: f32) -> f32 { if (is_nan(x)) { return x; } let e = exp(-2f * abs(x)); let r = (1f - e) / (1f + e); return select(r, -r, x < 0f); }");
                break;
            case UnaryOp.Erf:
                // Abramowitz-Stegun 7.1.26 refined by one Newton step is not needed at 1e-3; 7.1.28 has |error| <= 3e-7.
                w.Helper("erf", """
                    fn erf_(x: f32) -> f32 {
                      if (is_nan(x)) { return x; }
                      let a = abs(x);
                      let t = 1f + a * (0.0705230784f + a * (0.0422820123f + a * (0.0092705272f + a * (0.0001520143f + a * (0.0002765672f + a * 0.0000430638f)))));
                      let t2 = t * t; let t4 = t2 * t2; let t8 = t4 * t4; let t16 = t8 * t8;
                      let r = 1f - 1f / t16;
                      return select(r, -r, x < 0f);
                    }
                    """);
                break;
        }
        return op switch
        {
            UnaryOp.Neg => $"(-{a})",
            UnaryOp.Abs => $"abs({a})",
            UnaryOp.Exp => $"exp({a})",
            UnaryOp.Log => $"log({a})",
            UnaryOp.Sqrt => $"sqrt({a})",
            UnaryOp.Reciprocal => $"(1f / {a})",
            UnaryOp.Relu => $"relu({a})",
            UnaryOp.Sigmoid => $"sigmoid({a})",
            UnaryOp.Tanh => $"tanh_({a})",
            UnaryOp.Erf => $"erf_({a})",
            UnaryOp.Floor => $"floor({a})",
            UnaryOp.Ceil => $"ceil({a})",
            UnaryOp.Round => $"round({a})",
            UnaryOp.Sin => $"sin({a})",
            UnaryOp.Cos => $"cos({a})",
            UnaryOp.Tan => $"tan({a})",
            UnaryOp.Asin => $"asin({a})",
            UnaryOp.Acos => $"acos({a})",
            UnaryOp.Atan => $"atan({a})",
            UnaryOp.Sinh => $"sinh({a})",
            UnaryOp.Cosh => $"cosh({a})",
            UnaryOp.Asinh => $"asinh({a})",
            UnaryOp.Acosh => $"acosh({a})",
            UnaryOp.Atanh => $"atanh({a})",
            UnaryOp.Sign => $"sign({a})",
            UnaryOp.Not => $"({a} == 0f)",
            UnaryOp.IsNaN => $"is_nan({a})",
            UnaryOp.IsInf => $"is_inf({a})",
            UnaryOp.IsPosInf => $"({a} > 0f && is_inf({a}))",
            UnaryOp.IsNegInf => $"({a} < 0f && is_inf({a}))",
            UnaryOp.Softplus => $"softplus({a})",
            UnaryOp.Softsign => $"({a} / (1f + abs({a})))",
            _ => throw new NotSupportedException($"webgpu backend: unary op {op} on f32"),
        };
    }

    private static string Binary(WgslWriter w, BinaryExpr e, string a, string b, DataType t)
    {
        var op = e.Op;
        if (t == DataType.Bool)
        {
            return op switch
            {
                BinaryOp.Equal => $"({a} == {b})",
                BinaryOp.And => $"({a} && {b})",
                BinaryOp.Or => $"({a} || {b})",
                BinaryOp.Xor => $"({a} != {b})",
                BinaryOp.Greater => $"({a} && !{b})",
                BinaryOp.Less => $"(!{a} && {b})",
                BinaryOp.GreaterOrEqual => $"({a} || !{b})",
                BinaryOp.LessOrEqual => $"(!{a} || {b})",
                _ => throw new NotSupportedException($"webgpu backend: {op} of bool"),
            };
        }
        switch (op)
        {
            case BinaryOp.Equal: return $"({a} == {b})";
            case BinaryOp.Less: return $"({a} < {b})";
            case BinaryOp.LessOrEqual: return $"({a} <= {b})";
            case BinaryOp.Greater: return $"({a} > {b})";
            case BinaryOp.GreaterOrEqual: return $"({a} >= {b})";
            case BinaryOp.And: return $"(({a} != {Zero(t)}) && ({b} != {Zero(t)}))";
            case BinaryOp.Or: return $"(({a} != {Zero(t)}) || ({b} != {Zero(t)}))";
            case BinaryOp.Xor: return $"(({a} != {Zero(t)}) != ({b} != {Zero(t)}))";
        }
        if (t == DataType.Int32)
        {
            switch (op)
            {
                case BinaryOp.Div:
                    w.Helper("idiv", "fn idiv(a: i32, b: i32) -> i32 { if (b == 0i) { return 0i; } if (b == -1i) { return -a; } return a / b; }");
                    break;
                case BinaryOp.Mod:
                    w.Helper("imod", "fn imod(a: i32, b: i32) -> i32 { if (b == 0i || b == -1i) { return 0i; } let r = a % b; return select(r, r + b, r != 0i && ((r < 0i) != (b < 0i))); }");
                    break;
                case BinaryOp.FMod:
                    w.Helper("ifmod", "fn ifmod(a: i32, b: i32) -> i32 { if (b == 0i || b == -1i) { return 0i; } return a % b; }");
                    break;
                case BinaryOp.Pow:
                    w.Helper("ipow", """
                        fn ipow(a: i32, b: i32) -> i32 {
                          if (b < 0i) { return select(0i, select(1i, select(-1i, 1i, (b & 1i) == 0i), a == -1i), a == 1i || a == -1i); }
                          var r = 1i; var base = a; var e = b;
                          loop { if (e == 0i) { break; } if ((e & 1i) != 0i) { r = r * base; } base = base * base; e = e >> 1u; }
                          return r;
                        }
                        """);
                    break;
                case BinaryOp.ShiftLeft:
                    w.Helper("shl", "fn shl(a: i32, b: i32) -> i32 { if (b < 0i || b >= 32i) { return 0i; } return a << u32(b); }");
                    break;
                case BinaryOp.ShiftRight:
                    w.Helper("shr", """
                        fn shr(a: i32, b: i32) -> i32 {
                          if (b < 0i || b >= 64i) { return 0i; }
                          if (b < 32i) { return a >> u32(b); }
                          if (a >= 0i) { return 0i; }
                          if (b == 32i) { return -1i; }
                          return (1i << u32(64i - b)) - 1i;
                        }
                        """);
                    break;
            }
            return op switch
            {
                BinaryOp.Add => $"({a} + {b})",
                BinaryOp.Sub => $"({a} - {b})",
                BinaryOp.Mul => $"({a} * {b})",
                BinaryOp.Div => $"idiv({a}, {b})",
                BinaryOp.Mod => $"imod({a}, {b})",
                BinaryOp.FMod => $"ifmod({a}, {b})",
                BinaryOp.Pow => $"ipow({a}, {b})",
                BinaryOp.Max => $"max({a}, {b})",
                BinaryOp.Min => $"min({a}, {b})",
                BinaryOp.BitAnd => $"({a} & {b})",
                BinaryOp.BitOr => $"({a} | {b})",
                BinaryOp.BitXor => $"({a} ^ {b})",
                BinaryOp.ShiftLeft => $"shl({a}, {b})",
                BinaryOp.ShiftRight => $"shr({a}, {b})",
                _ => throw new NotSupportedException($"webgpu backend: binary op {op} on i32"),
            };
        }
        w.Helper("bits", Bits);
        switch (op)
        {
            case BinaryOp.Max:
                w.Helper("fmax", "fn fmax(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return a + b; } return max(a, b); }");
                return $"fmax({a}, {b})";
            case BinaryOp.Min:
                w.Helper("fmin", "fn fmin(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return a + b; } return min(a, b); }");
                return $"fmin({a}, {b})";
            case BinaryOp.Mod:
                w.Helper("fmodf", "fn fmod_floor(a: f32, b: f32) -> f32 { let r = a - b * trunc(a / b); return select(r, r + b, r != 0f && ((r < 0f) != (b < 0f))); }");
                return $"fmod_floor({a}, {b})";
            case BinaryOp.FMod:
                return $"({a} - {b} * trunc({a} / {b}))";
            case BinaryOp.Pow:
                if (e.B is ConstExpr { Value: var k })
                {
                    switch (k)
                    {
                        case 1: return a;
                        case 2: return $"({a} * {a})";
                        case 3: return $"({a} * {a} * {a})";
                        case 0.5: return $"sqrt({a})";
                    }
                }
                w.Helper("powf", """
                    fn pow_(a: f32, b: f32) -> f32 {
                      if (b == 0f) { return 1f; }
                      if (a >= 0f || is_nan(a)) { return pow(a, b); }
                      if (b != floor(b)) { return bitcast<f32>(NAN_BITS); }
                      let m = pow(-a, b);
                      return select(m, -m, b - 2f * floor(b / 2f) == 1f);
                    }
                    """);
                return $"pow_({a}, {b})";
        }
        return op switch
        {
            BinaryOp.Add => $"({a} + {b})",
            BinaryOp.Sub => $"({a} - {b})",
            BinaryOp.Mul => $"({a} * {b})",
            BinaryOp.Div => $"({a} / {b})",
            _ => throw new NotSupportedException($"webgpu backend: binary op {op} on f32"),
        };
    }

    private static string Zero(DataType t) => t == DataType.Float32 ? "0f" : "0i";
}
