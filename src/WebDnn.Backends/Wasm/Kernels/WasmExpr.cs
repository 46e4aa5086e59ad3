using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// Compiles an f32 <see cref="Expr"/> to SIMD128 code on four lanes at once (a scalar tail uses lane 0 of the same
/// code). Arithmetic is f32 throughout (the js backend computes in double and rounds at the store: the two differ by
/// f32 rounding only). exp, sigmoid and tanh use a range-reduced polynomial (Cephes expf, relative error ≤ 2 ulp;
/// arguments are clamped to [-87, 88], so exp saturates at e^88 instead of overflowing to +Inf).
/// </summary>
internal static class WasmExpr
{
    /// <summary>Whether <see cref="Emit"/> can compile <paramref name="e"/> (f32 nodes and the ops below only).</summary>
    public static bool Supports(Expr e) => e.Type == DataType.Float32 && e switch
    {
        InputExpr => true,
        ConstExpr => true,
        UnaryExpr u => u.Op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Sqrt or UnaryOp.Reciprocal or UnaryOp.Relu or UnaryOp.Floor or UnaryOp.Ceil
            or UnaryOp.Round or UnaryOp.Exp or UnaryOp.Sigmoid or UnaryOp.Tanh or UnaryOp.Softsign && Supports(u.A),
        BinaryExpr b => b.Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Max or BinaryOp.Min
            && Supports(b.A) && Supports(b.B),
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
            case ConstExpr c:
                f.F32x4Const((float)c.Value);
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

    /// <summary>exp of the v128 on the stack (Cephes expf: x = n·ln2 + r, e^r by a degree-6 polynomial, 2^n through the exponent bits).</summary>
    private static void Exp(FunctionBody f)
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
