using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>How a GEMM adds its bias: none, one value per row of C (conv: per output channel), one per column (Gemm).</summary>
internal enum BiasMode
{
    None,
    PerRow,
    PerColumn,
}

/// <summary>Which dimension of C the threads share (<see cref="WasmThreads"/>): none (every caller computes all of C), MR-row blocks, or NR-column panels.</summary>
internal enum GemmSplit
{
    None,
    Rows,
    Columns,
}

/// <summary>
/// One GEMM problem with every size a constant: C[M, N] = epilogue(A[M, K] · B[K, N] + bias). A is either packed
/// (<see cref="APacked"/>: panels [⌈M/MR⌉][K][MR], zero-padded; the conv weight) or row-major with row stride
/// <see cref="Lda"/>; B is packed ([⌈N/NR⌉][K][NR]; a constant matmul weight) or row-major with row stride
/// <see cref="Ldb"/>. C is row-major with row stride <see cref="Ldc"/>; epilogue operand e is read at element
/// i·Row + j·Col of <see cref="EpilogueStrides"/>[e] (0 for a broadcast axis), or like C when that list is null. With
/// <see cref="Split"/> each thread computes only its share of the row blocks or column panels.
/// </summary>
internal sealed record GemmSpec(int M, int N, int K, bool APacked, int Lda, bool BPacked, int Ldb, int Ldc, BiasMode Bias, Expr? Epilogue, int EpilogueOperands,
    IReadOnlyList<(int Row, int Col)>? EpilogueStrides = null, GemmSplit Split = GemmSplit.None);

/// <summary>
/// Emits a GEMM as one function (params: a, b, c, bias, epilogue operands…, all byte addresses) around a register-blocked
/// MR×NR microkernel: MR rows of A broadcast (<c>v128.load32_splat</c>) against NR/4 vectors of B, MR·NR/4 accumulators
/// in locals, one fused multiply-add per vector and k (<c>f32x4.relaxed_madd</c> in the relaxed variant, mul+add
/// otherwise). Rows run in the outer loop (the MR×K strip of A stays in L1) and column panels in the inner one; the
/// edge blocks (M mod MR rows, N mod NR columns) are separate unrolled copies with partial loads and stores, so nothing
/// reads or writes outside its buffer. The bias and the epilogue expression are applied to the accumulators before
/// the single store.
/// </summary>
internal static class GemmEmitter
{
    public const int MR = 4;
    public const int NR = 8;

    /// <summary>Parameter count of the emitted function.</summary>
    public static int Arity(GemmSpec s) => 4 + s.EpilogueOperands;

    public static FunctionBody Emit(GemmSpec s, bool relaxed)
    {
        var f = new FunctionBody([.. Enumerable.Repeat(ValType.I32, Arity(s))]);
        if (s.M == 0 || s.N == 0)
        {
            return f;
        }
        var g = new Gen(f, s, relaxed);
        g.Run();
        return f;
    }

    private sealed class Gen(FunctionBody f, GemmSpec s, bool relaxed)
    {
        private const int PA = 0, PB = 1, PC = 2, PBias = 3;
        private readonly int _i = f.Local(ValType.I32);
        private readonly int _j = f.Local(ValType.I32);
        private readonly int _ap = f.Local(ValType.I32);
        private readonly int _bp = f.Local(ValType.I32);
        private readonly int _k = f.Local(ValType.I32);
        private readonly int _aRow = f.Local(ValType.I32);
        private readonly int _cOff = f.Local(ValType.I32);
        private readonly int _av = f.Local(ValType.V128);
        private readonly int[] _bv = [.. Enumerable.Range(0, NR / 4).Select(_ => f.Local(ValType.V128))];
        private readonly int[] _acc = [.. Enumerable.Range(0, MR * NR / 4).Select(_ => f.Local(ValType.V128))];
        private readonly int _v = f.Local(ValType.V128);
        private (int Start, int End) _cols;

        public void Run()
        {
            int fullM = s.M / MR, tailM = s.M % MR;
            if (s.Split == GemmSplit.Columns)
            {
                _cols = WasmThreads.Range(f, (s.N + NR - 1) / NR);
            }
            if (s.Split == GemmSplit.Rows)
            {
                var rows = WasmThreads.Range(f, (s.M + MR - 1) / MR);
                WasmThreads.Loop(f, _i, rows, fullM, MR, () => RowBlock(MR));
                if (tailM > 0)
                {
                    WasmThreads.Owns(f, rows, fullM);
                    f.If();
                    f.I32Const(fullM * MR).LocalSet(_i);
                    RowBlock(tailM);
                    f.End();
                }
                return;
            }
            if (fullM > 0)
            {
                Counted(_i, 0, fullM * MR, MR, () => RowBlock(MR));
            }
            if (tailM > 0)
            {
                f.I32Const(fullM * MR).LocalSet(_i);
                RowBlock(tailM);
            }
        }

        private void RowBlock(int mr)
        {
            // aRow = a + byte offset of row i (packed: panel i / MR)
            f.LocalGet(PA).LocalGet(_i).I32Const(s.APacked ? s.K * 4 : s.Lda * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(_aRow);
            int fullN = s.N / NR, tailN = s.N % NR;
            if (s.Split == GemmSplit.Columns)
            {
                WasmThreads.Loop(f, _j, _cols, fullN, NR, () => Micro(mr, NR));
                if (tailN > 0)
                {
                    WasmThreads.Owns(f, _cols, fullN);
                    f.If();
                    f.I32Const(fullN * NR).LocalSet(_j);
                    Micro(mr, tailN);
                    f.End();
                }
                return;
            }
            if (fullN > 0)
            {
                Counted(_j, 0, fullN * NR, NR, () => Micro(mr, NR));
            }
            if (tailN > 0)
            {
                f.I32Const(fullN * NR).LocalSet(_j);
                Micro(mr, tailN);
            }
        }

        /// <summary>for (v = from; v &lt; to; v += step) body, with a constant trip count ≥ 1.</summary>
        private void Counted(int v, int from, int to, int step, Action body)
        {
            f.I32Const(from).LocalSet(v);
            f.Loop();
            body();
            f.LocalGet(v).I32Const(step).Op(WasmOpcode.I32Add).LocalTee(v).I32Const(to).Op(WasmOpcode.I32LtS).BrIf(0);
            f.End();
        }

        private void Micro(int mr, int cols)
        {
            int groups = (cols + 3) / 4;
            for (int a = 0; a < mr * groups; a++)
            {
                f.F32x4Const(0).LocalSet(_acc[a]);
            }
            // bp = b + byte offset of column j (packed: panel j / NR)
            f.LocalGet(PB).LocalGet(_j).I32Const(s.BPacked ? s.K * 4 : 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(_bp);
            f.LocalGet(_aRow).LocalSet(_ap);
            if (s.K > 0)
            {
                f.I32Const(s.K).LocalSet(_k);
                f.Loop();
                for (int g = 0; g < groups; g++)
                {
                    int lanes = s.BPacked ? 4 : Math.Min(4, cols - g * 4);
                    Load(_bp, (uint)(g * 16), lanes);
                    f.LocalSet(_bv[g]);
                }
                for (int r = 0; r < mr; r++)
                {
                    f.LocalGet(_ap).Mem(WasmOpcode.V128Load32Splat, (uint)(s.APacked ? r * 4 : r * s.Lda * 4)).LocalSet(_av);
                    for (int g = 0; g < groups; g++)
                    {
                        int acc = _acc[r * groups + g];
                        if (relaxed)
                        {
                            f.LocalGet(_av).LocalGet(_bv[g]).LocalGet(acc).Op(WasmOpcode.F32x4RelaxedMadd).LocalSet(acc);
                        }
                        else
                        {
                            f.LocalGet(acc).LocalGet(_av).LocalGet(_bv[g]).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add).LocalSet(acc);
                        }
                    }
                }
                f.LocalGet(_ap).I32Const(s.APacked ? MR * 4 : 4).Op(WasmOpcode.I32Add).LocalSet(_ap);
                f.LocalGet(_bp).I32Const(s.BPacked ? NR * 4 : s.Ldb * 4).Op(WasmOpcode.I32Add).LocalSet(_bp);
                f.LocalGet(_k).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(_k).BrIf(0);
                f.End();
            }
            // cOff = (i * ldc + j) * 4: the byte offset of the block in C and in every epilogue operand
            f.LocalGet(_i).I32Const(s.Ldc).Op(WasmOpcode.I32Mul).LocalGet(_j).Op(WasmOpcode.I32Add).I32Const(4).Op(WasmOpcode.I32Mul).LocalSet(_cOff);
            for (int r = 0; r < mr; r++)
            {
                for (int g = 0; g < groups; g++)
                {
                    int lanes = Math.Min(4, cols - g * 4);
                    uint off = (uint)((r * s.Ldc + g * 4) * 4);
                    // address first (the store takes it below the value)
                    f.LocalGet(PC).LocalGet(_cOff).Op(WasmOpcode.I32Add);
                    Value(_acc[r * groups + g], r, g, lanes, off);
                    WasmMem.Store(f, off, lanes);
                }
            }
        }

        /// <summary>Pushes the final value of accumulator <paramref name="acc"/> (row r, group g): bias, then the epilogue with in0 = acc.</summary>
        private void Value(int acc, int r, int g, int lanes, uint off)
        {
            f.LocalGet(acc);
            switch (s.Bias)
            {
                case BiasMode.PerRow:
                    f.LocalGet(PBias).LocalGet(_i).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                        .Mem(WasmOpcode.V128Load32Splat, (uint)(r * 4)).Op(WasmOpcode.F32x4Add);
                    break;
                case BiasMode.PerColumn:
                    f.LocalGet(PBias).LocalGet(_j).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                    WasmMem.Load(f, (uint)(g * 16), lanes);
                    f.Op(WasmOpcode.F32x4Add);
                    break;
            }
            if (s.Epilogue is { } e)
            {
                int v = _v;
                f.LocalSet(v);
                WasmExpr.Emit(f, e, i =>
                {
                    if (i == 0)
                    {
                        f.LocalGet(v);
                        return;
                    }
                    if (s.EpilogueStrides is not { } st || st[i - 1] == (s.Ldc, 1))
                    {
                        f.LocalGet(PBias + i).LocalGet(_cOff).Op(WasmOpcode.I32Add);
                        WasmMem.Load(f, off, lanes);
                        return;
                    }
                    var (row, col) = st[i - 1];
                    f.LocalGet(PBias + i).LocalGet(_i).I32Const(row * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                        .LocalGet(_j).I32Const(col * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                    uint eOff = (uint)((r * row + g * 4 * col) * 4);
                    if (col == 0)
                    {
                        f.Mem(WasmOpcode.V128Load32Splat, eOff);
                    }
                    else
                    {
                        WasmMem.Load(f, eOff, lanes);
                    }
                });
            }
        }

        private void Load(int ptr, uint off, int lanes)
        {
            f.LocalGet(ptr);
            WasmMem.Load(f, off, lanes);
        }
    }
}
