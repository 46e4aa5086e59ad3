using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// Compiles an f32 <see cref="Expr"/> to SIMD128 code on four lanes at once (a scalar tail uses lane 0 of the same
/// code). Arithmetic is f32 throughout (the js backend computes in double and rounds at the store: the two differ by
/// f32 rounding only). log is Cephes logf (≤ 2 ulp); exp, sigmoid and tanh use a range-reduced polynomial (Cephes expf, relative error ≤ 2 ulp;
/// arguments are clamped to [-87, 88], so exp saturates at e^88 instead of overflowing to +Inf).
/// </summary>
internal static class WasmExpr
{
    /// <summary>
    /// Whether <see cref="Emit"/> can compile <paramref name="e"/>: an f32 result from f32 inputs and the ops below; bool
    /// nodes (comparisons of f32 values, IsNaN/IsInf, Not/And/Or/Xor) may appear inside as lane masks, as Select's
    /// condition.
    /// </summary>
    public static bool Supports(Expr e) => e.Type == DataType.Float32 && Compiles(e);

    private static bool Compiles(Expr e) => e switch
    {
        InputExpr i => i.InputType == DataType.Float32,
        ConstExpr c => c.Type is DataType.Float32 or DataType.Bool,
        UnaryExpr u when u.Type == DataType.Float32 => u.Op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Sqrt or UnaryOp.Reciprocal or UnaryOp.Relu
            or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round or UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sigmoid or UnaryOp.Tanh or UnaryOp.Softsign or UnaryOp.Erf
            && Compiles(u.A),
        UnaryExpr u => u.Op is UnaryOp.Not && u.A.Type == DataType.Bool && Compiles(u.A)
            || u.Op is UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf && u.A.Type == DataType.Float32 && Compiles(u.A),
        BinaryExpr b when b.Type == DataType.Float32 => b.Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Max or BinaryOp.Min
            && Compiles(b.A) && Compiles(b.B),
        BinaryExpr b => (b.Op is BinaryOp.Equal or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual
                && b.A.Type == DataType.Float32 || b.Op is BinaryOp.And or BinaryOp.Or or BinaryOp.Xor && b.A.Type == DataType.Bool)
            && Compiles(b.A) && Compiles(b.B),
        SelectExpr s => s.Type == DataType.Float32 && s.Cond.Type == DataType.Bool && Compiles(s.Cond) && Compiles(s.A) && Compiles(s.B),
        _ => false,
    };

    /// <summary>Pushes the value of <paramref name="e"/> as a v128; <paramref name="input"/> pushes input i.</summary>
    public static void Emit(FunctionBody f, Expr e, Action<int> input)
    {
        switch (e)
        {
            case InputExpr i:
                input(i.Index);
                break;
            case ConstExpr { Type: DataType.Bool } c:
                f.V128Const(c.Value != 0 ? -1 : 0, c.Value != 0 ? -1 : 0, c.Value != 0 ? -1 : 0, c.Value != 0 ? -1 : 0);
                break;
            case ConstExpr c:
                f.F32x4Const((float)c.Value);
                break;
            case SelectExpr s:
                // bitselect(a, b, mask): lanes of a where the mask is all ones
                Emit(f, s.A, input);
                Emit(f, s.B, input);
                Emit(f, s.Cond, input);
                f.Op(WasmOpcode.V128Bitselect);
                break;
            case BinaryExpr b:
                Emit(f, b.A, input);
                Emit(f, b.B, input);
                f.Op(b.Op switch
                {
                    BinaryOp.Add => WasmOpcode.F32x4Add,
                    BinaryOp.Sub => WasmOpcode.F32x4Sub,
                    BinaryOp.Mul => WasmOpcode.F32x4Mul,
                    BinaryOp.Div => WasmOpcode.F32x4Div,
                    BinaryOp.Max => WasmOpcode.F32x4Max,
                    BinaryOp.Min => WasmOpcode.F32x4Min,
                    BinaryOp.Equal => WasmOpcode.F32x4Eq,
                    BinaryOp.Less => WasmOpcode.F32x4Lt,
                    BinaryOp.LessOrEqual => WasmOpcode.F32x4Le,
                    BinaryOp.Greater => WasmOpcode.F32x4Gt,
                    BinaryOp.GreaterOrEqual => WasmOpcode.F32x4Ge,
                    BinaryOp.And => WasmOpcode.V128And,
                    BinaryOp.Or => WasmOpcode.V128Or,
                    BinaryOp.Xor => WasmOpcode.V128Xor,
                    _ => throw new NotSupportedException($"wasm: binary {b.Op}"),
                });
                break;
            case UnaryExpr u:
                Unary(f, u.Op, () => Emit(f, u.A, input));
                break;
            default:
                throw new NotSupportedException($"wasm: expression {e}");
        }
    }

    /// <summary>
    /// Applies a kernel's fused epilogue to the v128 on the stack: input 0 is that value (kept in local <paramref name="tmp"/>),
    /// input i ≥ 1 the <paramref name="lanes"/> lanes at param (<paramref name="firstOperand"/> + i − 1) + local
    /// <paramref name="offset"/> + <paramref name="off"/> (the operands have the output's shape).
    /// </summary>
    public static void Epilogue(FunctionBody f, Expr e, int tmp, int firstOperand, int offset, uint off, int lanes)
    {
        f.LocalSet(tmp);
        Emit(f, e, i =>
        {
            if (i == 0)
            {
                f.LocalGet(tmp);
                return;
            }
            f.LocalGet(firstOperand + i - 1).LocalGet(offset).Op(WasmOpcode.I32Add);
            WasmMem.Load(f, off, lanes);
        });
    }

    private static void Unary(FunctionBody f, UnaryOp op, Action arg)
    {
        switch (op)
        {
            case UnaryOp.Neg: arg(); f.Op(WasmOpcode.F32x4Neg); break;
            case UnaryOp.Abs: arg(); f.Op(WasmOpcode.F32x4Abs); break;
            case UnaryOp.Sqrt: arg(); f.Op(WasmOpcode.F32x4Sqrt); break;
            case UnaryOp.Floor: arg(); f.Op(WasmOpcode.F32x4Floor); break;
            case UnaryOp.Ceil: arg(); f.Op(WasmOpcode.F32x4Ceil); break;
            case UnaryOp.Round: arg(); f.Op(WasmOpcode.F32x4Nearest); break;
            case UnaryOp.Reciprocal:
                f.F32x4Const(1);
                arg();
                f.Op(WasmOpcode.F32x4Div);
                break;
            case UnaryOp.Relu:
                // max propagates NaN as the reference's relu does
                arg();
                f.F32x4Const(0);
                f.Op(WasmOpcode.F32x4Max);
                break;
            case UnaryOp.Exp:
                arg();
                Exp(f);
                break;
            case UnaryOp.Log:
                arg();
                Log(f);
                break;
            case UnaryOp.Erf:
                arg();
                Erf(f);
                break;
            case UnaryOp.Not:
                arg();
                f.Op(WasmOpcode.V128Not);
                break;
            case UnaryOp.IsNaN:
                {
                    int x = f.Local(ValType.V128);
                    arg();
                    f.LocalTee(x).LocalGet(x).Op(WasmOpcode.F32x4Ne);
                    break;
                }
            case UnaryOp.IsInf:
                arg();
                f.Op(WasmOpcode.F32x4Abs).F32x4Const(float.PositiveInfinity).Op(WasmOpcode.F32x4Eq);
                break;
            case UnaryOp.IsPosInf:
                arg();
                f.F32x4Const(float.PositiveInfinity).Op(WasmOpcode.F32x4Eq);
                break;
            case UnaryOp.IsNegInf:
                arg();
                f.F32x4Const(float.NegativeInfinity).Op(WasmOpcode.F32x4Eq);
                break;
            case UnaryOp.Sigmoid:
                // 1 / (1 + exp(-x))
                f.F32x4Const(1);
                f.F32x4Const(1);
                arg();
                f.Op(WasmOpcode.F32x4Neg);
                Exp(f);
                f.Op(WasmOpcode.F32x4Add);
                f.Op(WasmOpcode.F32x4Div);
                break;
            case UnaryOp.Tanh:
                {
                    // 1 - 2 / (exp(2x) + 1)
                    f.F32x4Const(1);
                    f.F32x4Const(2);
                    arg();
                    f.F32x4Const(2);
                    f.Op(WasmOpcode.F32x4Mul);
                    Exp(f);
                    f.F32x4Const(1);
                    f.Op(WasmOpcode.F32x4Add);
                    f.Op(WasmOpcode.F32x4Div);
                    f.Op(WasmOpcode.F32x4Sub);
                    break;
                }
            case UnaryOp.Softsign:
                {
                    int x = f.Local(ValType.V128);
                    arg();
                    f.LocalTee(x);
                    f.F32x4Const(1);
                    f.LocalGet(x);
                    f.Op(WasmOpcode.F32x4Abs);
                    f.Op(WasmOpcode.F32x4Add);
                    f.Op(WasmOpcode.F32x4Div);
                    break;
                }
            default:
                throw new NotSupportedException($"wasm: unary {op}");
        }
    }

    /// <summary>
    /// erf of the v128 on the stack: |x| &lt; 0.5 by its Taylor series to x¹¹ (relative error below 1e-7), else
    /// 1 − t·P(t)·e^(−x²) with t = 1/(1 + p|x|) (Abramowitz and Stegun 7.1.26, absolute error ≤ 1.5e-7), sign restored.
    /// </summary>
    private static void Erf(FunctionBody f)
    {
        int x = f.Local(ValType.V128), ax = f.Local(ValType.V128), x2 = f.Local(ValType.V128), t = f.Local(ValType.V128), big = f.Local(ValType.V128);
        f.LocalTee(x).Op(WasmOpcode.F32x4Abs).LocalSet(ax);
        f.LocalGet(x).LocalGet(x).Op(WasmOpcode.F32x4Mul).LocalSet(x2);
        // big = 1 - t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·exp(-x²), copysign x
        f.F32x4Const(1).F32x4Const(1).LocalGet(ax).F32x4Const(0.3275911f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add).Op(WasmOpcode.F32x4Div).LocalSet(t);
        float[] a = [1.061405429f, -1.453152027f, 1.421413741f, -0.284496736f, 0.254829592f];
        f.F32x4Const(1).F32x4Const(a[0]);
        for (int i = 1; i < a.Length; i++)
        {
            f.LocalGet(t).Op(WasmOpcode.F32x4Mul).F32x4Const(a[i]).Op(WasmOpcode.F32x4Add);
        }
        f.LocalGet(t).Op(WasmOpcode.F32x4Mul);
        f.LocalGet(x2).Op(WasmOpcode.F32x4Neg);
        Exp(f);
        f.Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Sub);
        f.LocalGet(x).V128Const(int.MinValue, int.MinValue, int.MinValue, int.MinValue).Op(WasmOpcode.V128And).Op(WasmOpcode.V128Or).LocalSet(big);
        // small = x·(c0 + x²·(c1 + x²·(… c5))), c_k = 2/√π·(−1)^k / (k!·(2k+1))
        double[] c = [1, -1.0 / 3, 1.0 / 10, -1.0 / 42, 1.0 / 216, -1.0 / 1320];
        double s = 2 / Math.Sqrt(Math.PI);
        f.F32x4Const((float)(c[^1] * s));
        for (int i = c.Length - 2; i >= 0; i--)
        {
            f.LocalGet(x2).Op(WasmOpcode.F32x4Mul).F32x4Const((float)(c[i] * s)).Op(WasmOpcode.F32x4Add);
        }
        f.LocalGet(x).Op(WasmOpcode.F32x4Mul);
        f.LocalGet(big);
        f.LocalGet(ax).F32x4Const(0.5f).Op(WasmOpcode.F32x4Lt);
        f.Op(WasmOpcode.V128Bitselect);
    }

    /// <summary>
    /// natural log of the v128 on the stack (Cephes logf: x = m·2^e with m in [√½, √2), log m by a degree-9 polynomial in
    /// m − 1, relative error ≤ 2 ulp; subnormals are scaled by 2^25 first). log ±0 = −∞, log of a negative is NaN,
    /// log +∞ = +∞, NaN stays NaN.
    /// </summary>
    internal static void Log(FunctionBody f)
    {
        int x = f.Local(ValType.V128), xs = f.Local(ValType.V128), e = f.Local(ValType.V128), m = f.Local(ValType.V128);
        int lt = f.Local(ValType.V128), z = f.Local(ValType.V128), ef = f.Local(ValType.V128), r = f.Local(ValType.V128);
        f.LocalSet(x);
        // subnormals: xs = x·2^25, e −= 25
        f.LocalGet(x).F32x4Const(33554432f).Op(WasmOpcode.F32x4Mul).LocalGet(x)
            .LocalGet(x).F32x4Const(1.17549435e-38f).Op(WasmOpcode.F32x4Lt).LocalTee(lt).Op(WasmOpcode.V128Bitselect).LocalSet(xs);
        // e = ((bits >> 23) & 0xff) − 126 (− 25), m = mantissa · 2^−1 in [0.5, 1)
        f.LocalGet(xs).I32Const(23).Op(WasmOpcode.I32x4ShrU).V128Const(255, 255, 255, 255).Op(WasmOpcode.V128And)
            .V128Const(126, 126, 126, 126).Op(WasmOpcode.I32x4Sub)
            .LocalGet(lt).V128Const(25, 25, 25, 25).Op(WasmOpcode.V128And).Op(WasmOpcode.I32x4Sub).LocalSet(e);
        f.LocalGet(xs).V128Const(0x007FFFFF, 0x007FFFFF, 0x007FFFFF, 0x007FFFFF).Op(WasmOpcode.V128And)
            .V128Const(0x3F000000, 0x3F000000, 0x3F000000, 0x3F000000).Op(WasmOpcode.V128Or).LocalSet(m);
        // m < √½: e −= 1, m = 2m − 1; else m = m − 1
        f.LocalGet(m).F32x4Const(0.707106781186547524f).Op(WasmOpcode.F32x4Lt).LocalSet(lt);
        f.LocalGet(e).LocalGet(lt).Op(WasmOpcode.I32x4Add).Op(WasmOpcode.F32x4ConvertI32x4S).LocalSet(ef);
        f.LocalGet(m).F32x4Const(1).Op(WasmOpcode.F32x4Sub).LocalGet(m).LocalGet(lt).Op(WasmOpcode.V128And).Op(WasmOpcode.F32x4Add).LocalTee(m)
            .LocalGet(m).Op(WasmOpcode.F32x4Mul).LocalSet(z);
        float[] c = [7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f, -1.6668057665E-1f,
            2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f];
        f.F32x4Const(c[0]);
        for (int i = 1; i < c.Length; i++)
        {
            f.LocalGet(m).Op(WasmOpcode.F32x4Mul).F32x4Const(c[i]).Op(WasmOpcode.F32x4Add);
        }
        // r = m + poly·m·z − 2.12194440e-4·e − z/2 + 0.693359375·e
        f.LocalGet(m).Op(WasmOpcode.F32x4Mul).LocalGet(z).Op(WasmOpcode.F32x4Mul)
            .LocalGet(ef).F32x4Const(-2.12194440e-4f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add)
            .LocalGet(z).F32x4Const(-0.5f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add)
            .LocalGet(m).Op(WasmOpcode.F32x4Add)
            .LocalGet(ef).F32x4Const(0.693359375f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add).LocalSet(r);
        // NaN and +∞ pass through, negatives give NaN, ±0 gives −∞
        f.LocalGet(x).LocalGet(r).LocalGet(x).LocalGet(x).Op(WasmOpcode.F32x4Ne).LocalGet(x).F32x4Const(float.PositiveInfinity).Op(WasmOpcode.F32x4Eq)
            .Op(WasmOpcode.V128Or).Op(WasmOpcode.V128Bitselect).LocalSet(r);
        f.F32x4Const(float.NaN).LocalGet(r).LocalGet(x).F32x4Const(0).Op(WasmOpcode.F32x4Lt).Op(WasmOpcode.V128Bitselect).LocalSet(r);
        f.F32x4Const(float.NegativeInfinity).LocalGet(r).LocalGet(x).F32x4Const(0).Op(WasmOpcode.F32x4Eq).Op(WasmOpcode.V128Bitselect);
    }

    /// <summary>exp of the v128 on the stack (Cephes expf: x = n·ln2 + r, e^r by a degree-6 polynomial, 2^n through the exponent bits).</summary>
    internal static void Exp(FunctionBody f)
    {
        int x = f.Local(ValType.V128), n = f.Local(ValType.V128), r = f.Local(ValType.V128), p = f.Local(ValType.V128);
        f.F32x4Const(88f).Op(WasmOpcode.F32x4Min).F32x4Const(-87f).Op(WasmOpcode.F32x4Max).LocalSet(x);
        // n = round(x / ln2)
        f.LocalGet(x).F32x4Const(1.44269504088896341f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Nearest).LocalSet(n);
        // r = x - n·C1 - n·C2 (ln2 split in two for accuracy)
        f.LocalGet(x).LocalGet(n).F32x4Const(0.693359375f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Sub)
            .LocalGet(n).F32x4Const(-2.12194440e-4f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Sub).LocalSet(r);
        float[] c = [1.9875691500E-4f, 1.3981999507E-3f, 8.3334519073E-3f, 4.1665795894E-2f, 1.6666665459E-1f, 5.0000001201E-1f];
        f.F32x4Const(c[0]);
        for (int i = 1; i < c.Length; i++)
        {
            f.LocalGet(r).Op(WasmOpcode.F32x4Mul).F32x4Const(c[i]).Op(WasmOpcode.F32x4Add);
        }
        // p = poly·r² + r + 1
        f.LocalGet(r).LocalGet(r).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Mul)
            .LocalGet(r).Op(WasmOpcode.F32x4Add).F32x4Const(1).Op(WasmOpcode.F32x4Add).LocalSet(p);
        // 2^n = ((n + 127) << 23) as f32
        f.LocalGet(p)
            .LocalGet(n).Op(WasmOpcode.I32x4TruncSatF32x4S).V128Const(127, 127, 127, 127).Op(WasmOpcode.I32x4Add)
            .I32Const(23).Op(WasmOpcode.I32x4Shl)
            .Op(WasmOpcode.F32x4Mul);
    }
}
