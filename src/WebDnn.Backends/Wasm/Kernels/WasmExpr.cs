using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// Compiles an <see cref="Expr"/> to SIMD128 code on four lanes at once (a scalar tail uses the first lanes of the same
/// code). Every node is a v128 of four 32-bit lanes: f32 as f32x4, i32 as i32x4, bool as a lane mask (all ones or
/// zero). Semantics are the js backend's (<c>JsExpr</c>): i32 results wrap modulo 2³² (i64 and the narrower integer
/// types are i32 after lowering); integer Div truncates and x/0 = 0 (INT_MIN / −1 wraps to INT_MIN), Mod takes the
/// divisor's sign and FMod the dividend's (x mod 0 = 0), both lane by lane in scalar code; a cast f32 → i32 truncates
/// and wraps modulo 2³² (NaN and ±∞ give 0); a cast to bool is x ≠ 0 (NaN gives true); bool → f32/i32 gives 0 or 1;
/// comparisons of bools order false before true.
/// Float arithmetic is f32 throughout (the js backend computes in double and rounds at the store or at a cast: the
/// two differ by f32 rounding only, which a later cast to an integer or a comparison can expose). log is Cephes logf
/// (≤ 2 ulp); exp, sigmoid and tanh use a range-reduced polynomial (Cephes expf, relative error ≤ 2 ulp; arguments are
/// clamped to [-87, 88], so exp saturates at e^88 instead of overflowing to +Inf).
/// </summary>
internal static class WasmExpr
{
    /// <summary>
    /// Whether <see cref="Emit"/> can compile <paramref name="e"/> as an epilogue: an f32 result from f32 inputs (the
    /// epilogue's operands are loaded as 4-byte lanes); i32 and bool nodes may appear inside (casts, comparisons,
    /// Select's condition).
    /// </summary>
    public static bool Supports(Expr e) => e.Type == DataType.Float32 && InputsAre(e, DataType.Float32) && Compiles(e);

    /// <summary>Whether <see cref="Emit"/> can compile <paramref name="e"/> with f32, i32 and bool inputs and result.</summary>
    public static bool SupportsTyped(Expr e) => Compiles(e);

    private static bool IsLane(DataType t) => t is DataType.Float32 or DataType.Int32 or DataType.Bool;

    private static bool InputsAre(Expr e, DataType t) => e switch
    {
        InputExpr i => i.InputType == t,
        UnaryExpr u => InputsAre(u.A, t),
        BinaryExpr b => InputsAre(b.A, t) && InputsAre(b.B, t),
        SelectExpr s => InputsAre(s.Cond, t) && InputsAre(s.A, t) && InputsAre(s.B, t),
        CastExpr c => InputsAre(c.A, t),
        _ => true,
    };

    private static bool Compiles(Expr e) => IsLane(e.Type) && e switch
    {
        InputExpr => true,
        ConstExpr c => c.Type != DataType.Int32 || Math.Truncate(c.Value) is >= int.MinValue and <= int.MaxValue,
        CastExpr c => IsLane(c.A.Type) && Compiles(c.A),
        UnaryExpr u => UnaryCompiles(u.Op, u.A.Type, u.Type) && Compiles(u.A),
        BinaryExpr b => b.A.Type == b.B.Type && BinaryCompiles(b.Op, b.A.Type, b.Type) && Compiles(b.A) && Compiles(b.B),
        SelectExpr s => s.Cond.Type == DataType.Bool && s.A.Type == s.Type && s.B.Type == s.Type && Compiles(s.Cond) && Compiles(s.A) && Compiles(s.B),
        _ => false,
    };

    private static bool UnaryCompiles(UnaryOp op, DataType a, DataType r) => (a, r) switch
    {
        (DataType.Float32, DataType.Float32) => op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Sqrt or UnaryOp.Reciprocal or UnaryOp.Relu
            or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round or UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sigmoid or UnaryOp.Tanh or UnaryOp.Softsign or UnaryOp.Erf,
        (DataType.Float32, DataType.Bool) => op is UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf,
        (DataType.Int32, DataType.Int32) => op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Relu or UnaryOp.Sign or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round
            or UnaryOp.BitNot,
        (DataType.Bool, DataType.Bool) => op is UnaryOp.Not,
        _ => false,
    };

    private static bool BinaryCompiles(BinaryOp op, DataType a, DataType r) =>
        a == DataType.Int32 && r == DataType.Int32 && op is BinaryOp.Div or BinaryOp.Mod or BinaryOp.FMod || BinaryOpcode(op, a) is not null;

    /// <summary>The lane-wise instruction of a binary op on operands of type <paramref name="t"/>, or null.</summary>
    private static WasmOpcode? BinaryOpcode(BinaryOp op, DataType t) => (t, op) switch
    {
        (DataType.Float32, BinaryOp.Add) => WasmOpcode.F32x4Add,
        (DataType.Float32, BinaryOp.Sub) => WasmOpcode.F32x4Sub,
        (DataType.Float32, BinaryOp.Mul) => WasmOpcode.F32x4Mul,
        (DataType.Float32, BinaryOp.Div) => WasmOpcode.F32x4Div,
        (DataType.Float32, BinaryOp.Max) => WasmOpcode.F32x4Max,
        (DataType.Float32, BinaryOp.Min) => WasmOpcode.F32x4Min,
        (DataType.Float32, BinaryOp.Equal) => WasmOpcode.F32x4Eq,
        (DataType.Float32, BinaryOp.Less) => WasmOpcode.F32x4Lt,
        (DataType.Float32, BinaryOp.LessOrEqual) => WasmOpcode.F32x4Le,
        (DataType.Float32, BinaryOp.Greater) => WasmOpcode.F32x4Gt,
        (DataType.Float32, BinaryOp.GreaterOrEqual) => WasmOpcode.F32x4Ge,
        (DataType.Int32, BinaryOp.Add) => WasmOpcode.I32x4Add,
        (DataType.Int32, BinaryOp.Sub) => WasmOpcode.I32x4Sub,
        (DataType.Int32, BinaryOp.Mul) => WasmOpcode.I32x4Mul,
        (DataType.Int32, BinaryOp.Max) => WasmOpcode.I32x4MaxS,
        (DataType.Int32, BinaryOp.Min) => WasmOpcode.I32x4MinS,
        (DataType.Int32, BinaryOp.BitAnd) => WasmOpcode.V128And,
        (DataType.Int32, BinaryOp.BitOr) => WasmOpcode.V128Or,
        (DataType.Int32, BinaryOp.BitXor) => WasmOpcode.V128Xor,
        (DataType.Int32, BinaryOp.Equal) => WasmOpcode.I32x4Eq,
        (DataType.Int32, BinaryOp.Less) => WasmOpcode.I32x4LtS,
        (DataType.Int32, BinaryOp.LessOrEqual) => WasmOpcode.I32x4LeS,
        (DataType.Int32, BinaryOp.Greater) => WasmOpcode.I32x4GtS,
        (DataType.Int32, BinaryOp.GreaterOrEqual) => WasmOpcode.I32x4GeS,
        // masks: true is all ones, so unsigned order puts false first
        (DataType.Bool, BinaryOp.Equal) => WasmOpcode.I32x4Eq,
        (DataType.Bool, BinaryOp.Less) => WasmOpcode.I32x4LtU,
        (DataType.Bool, BinaryOp.LessOrEqual) => WasmOpcode.I32x4LeU,
        (DataType.Bool, BinaryOp.Greater) => WasmOpcode.I32x4GtU,
        (DataType.Bool, BinaryOp.GreaterOrEqual) => WasmOpcode.I32x4GeU,
        (DataType.Bool, BinaryOp.And) => WasmOpcode.V128And,
        (DataType.Bool, BinaryOp.Or) => WasmOpcode.V128Or,
        (DataType.Bool, BinaryOp.Xor) => WasmOpcode.V128Xor,
        _ => null,
    };

    /// <summary>Pushes the value of <paramref name="e"/> as a v128; <paramref name="input"/> pushes input i (bools as lane masks).</summary>
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
            case ConstExpr { Type: DataType.Int32 } c:
                {
                    int v = (int)Math.Truncate(c.Value);
                    f.V128Const(v, v, v, v);
                    break;
                }
            case ConstExpr c:
                f.F32x4Const((float)c.Value);
                break;
            case CastExpr c:
                Emit(f, c.A, input);
                Cast(f, c.A.Type, c.To);
                break;
            case SelectExpr s:
                // bitselect(a, b, mask): lanes of a where the mask is all ones
                Emit(f, s.A, input);
                Emit(f, s.B, input);
                Emit(f, s.Cond, input);
                f.Op(WasmOpcode.V128Bitselect);
                break;
            case BinaryExpr { A.Type: DataType.Int32, Op: BinaryOp.Div or BinaryOp.Mod or BinaryOp.FMod } b:
                Emit(f, b.A, input);
                Emit(f, b.B, input);
                IntDivision(f, b.Op);
                break;
            case BinaryExpr b:
                Emit(f, b.A, input);
                Emit(f, b.B, input);
                f.Op(BinaryOpcode(b.Op, b.A.Type) ?? throw new NotSupportedException($"wasm: binary {b.Op} on {b.A.Type}"));
                break;
            case UnaryExpr { A.Type: DataType.Int32 } u:
                Emit(f, u.A, input);
                IntUnary(f, u.Op);
                break;
            case UnaryExpr u:
                Unary(f, u.Op, () => Emit(f, u.A, input));
                break;
            default:
                throw new NotSupportedException($"wasm: expression {e}");
        }
    }

    /// <summary>The v128 of type <paramref name="from"/> on the stack → the same lanes as <paramref name="to"/>.</summary>
    private static void Cast(FunctionBody f, DataType from, DataType to)
    {
        switch (from, to)
        {
            case var (a, b) when a == b:
                break;
            case (DataType.Int32, DataType.Float32):
                f.Op(WasmOpcode.F32x4ConvertI32x4S);
                break;
            case (DataType.Float32, DataType.Int32):
                FloatToInt(f);
                break;
            case (DataType.Bool, DataType.Float32):
                f.F32x4Const(1).Op(WasmOpcode.V128And);
                break;
            case (DataType.Bool, DataType.Int32):
                f.V128Const(1, 1, 1, 1).Op(WasmOpcode.V128And);
                break;
            case (DataType.Float32, DataType.Bool):
                f.F32x4Const(0).Op(WasmOpcode.F32x4Ne);
                break;
            case (DataType.Int32, DataType.Bool):
                f.V128Const(0, 0, 0, 0).Op(WasmOpcode.I32x4Ne);
                break;
            default:
                throw new NotSupportedException($"wasm: cast {from} to {to}");
        }
    }

    /// <summary>
    /// f32x4 on the stack → i32x4 as JavaScript's ToInt32 (<c>x | 0</c>): truncated, wrapped modulo 2³², NaN and ±∞ → 0.
    /// |x| &lt; 2³¹ converts directly; a larger x is a multiple of 2⁸, so t − floor(t·2⁻³²)·2³² ∈ [0, 2³²) is exact in
    /// f32, and so is its shift into [−2³¹, 2³¹).
    /// </summary>
    private static void FloatToInt(FunctionBody f)
    {
        int x = f.Local(ValType.V128), t = f.Local(ValType.V128);
        f.LocalTee(x).Op(WasmOpcode.F32x4Trunc).LocalTee(t)
            .LocalGet(t).F32x4Const(1f / 4294967296f).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Floor).F32x4Const(4294967296f).Op(WasmOpcode.F32x4Mul)
            .Op(WasmOpcode.F32x4Sub).LocalSet(t);
        f.LocalGet(t).F32x4Const(4294967296f).Op(WasmOpcode.F32x4Sub).LocalGet(t).LocalGet(t).F32x4Const(2147483648f).Op(WasmOpcode.F32x4Ge)
            .Op(WasmOpcode.V128Bitselect).Op(WasmOpcode.I32x4TruncSatF32x4S);
        f.LocalGet(x).Op(WasmOpcode.I32x4TruncSatF32x4S);
        f.LocalGet(x).Op(WasmOpcode.F32x4Abs).F32x4Const(2147483648f).Op(WasmOpcode.F32x4Ge);
        f.Op(WasmOpcode.V128Bitselect);
    }

    private static void IntUnary(FunctionBody f, UnaryOp op)
    {
        switch (op)
        {
            case UnaryOp.Neg: f.Op(WasmOpcode.I32x4Neg); break;
            case UnaryOp.Abs: f.Op(WasmOpcode.I32x4Abs); break;
            case UnaryOp.Relu: f.V128Const(0, 0, 0, 0).Op(WasmOpcode.I32x4MaxS); break;
            case UnaryOp.BitNot: f.Op(WasmOpcode.V128Not); break;
            case UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round: break;
            case UnaryOp.Sign:
                {
                    // (x < 0 mask) − (x > 0 mask): −1, 0 or 1
                    int x = f.Local(ValType.V128);
                    f.LocalTee(x).V128Const(0, 0, 0, 0).Op(WasmOpcode.I32x4LtS);
                    f.LocalGet(x).V128Const(0, 0, 0, 0).Op(WasmOpcode.I32x4GtS);
                    f.Op(WasmOpcode.I32x4Sub);
                    break;
                }
            default:
                throw new NotSupportedException($"wasm: unary {op} on i32");
        }
    }

    /// <summary>
    /// i32x4 a, b on the stack → a Div/Mod/FMod b lane by lane (SIMD128 has no integer division): the divisor 0 (and −1
    /// for Div) never reaches div_s/rem_s, so nothing traps; the results are the js kernel's (see the class summary).
    /// </summary>
    private static void IntDivision(FunctionBody f, BinaryOp op)
    {
        int va = f.Local(ValType.V128), vb = f.Local(ValType.V128), r = f.Local(ValType.V128), a = f.Local(ValType.I32), b = f.Local(ValType.I32),
            q = f.Local(ValType.I32);
        f.LocalSet(vb).LocalTee(va).LocalSet(r);
        for (int lane = 0; lane < 4; lane++)
        {
            f.LocalGet(r);
            f.LocalGet(va).Lane(WasmOpcode.I32x4ExtractLane, lane).LocalSet(a);
            f.LocalGet(vb).Lane(WasmOpcode.I32x4ExtractLane, lane).LocalSet(b);
            switch (op)
            {
                case BinaryOp.Div:
                    // b == 0 ? 0 : b == −1 ? −a : a / b (the divisor is 1 in both special cases)
                    f.I32Const(0).LocalGet(a).Op(WasmOpcode.I32Sub);
                    f.LocalGet(a).LocalGet(b).I32Const(1).LocalGet(b).I32Const(1).Op(WasmOpcode.I32Add).I32Const(1).Op(WasmOpcode.I32GtU).Op(WasmOpcode.Select)
                        .Op(WasmOpcode.I32DivS);
                    f.LocalGet(b).I32Const(-1).Op(WasmOpcode.I32Eq).Op(WasmOpcode.Select);
                    f.I32Const(0).LocalGet(b).Op(WasmOpcode.Select);
                    break;
                case BinaryOp.Mod:
                    // r = a rem (b or 1); r + b when r ≠ 0 and r, b differ in sign (b == 0 gives a rem 1 = 0)
                    f.LocalGet(a).LocalGet(b).I32Const(1).LocalGet(b).Op(WasmOpcode.Select).Op(WasmOpcode.I32RemS).LocalTee(q);
                    f.LocalGet(b).I32Const(0);
                    f.LocalGet(q).LocalGet(b).Op(WasmOpcode.I32Xor).I32Const(0).Op(WasmOpcode.I32LtS).LocalGet(q).I32Const(0).Op(WasmOpcode.I32Ne).Op(WasmOpcode.I32And);
                    f.Op(WasmOpcode.Select).Op(WasmOpcode.I32Add);
                    break;
                default:
                    // FMod: a rem (b or 1)
                    f.LocalGet(a).LocalGet(b).I32Const(1).LocalGet(b).Op(WasmOpcode.Select).Op(WasmOpcode.I32RemS);
                    break;
            }
            f.Lane(WasmOpcode.I32x4ReplaceLane, lane).LocalSet(r);
        }
        f.LocalGet(r);
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
