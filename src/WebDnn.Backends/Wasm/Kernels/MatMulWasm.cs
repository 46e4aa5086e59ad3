using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// matmul, f32: one <see cref="GemmEmitter"/> function called once per batch (at most <see cref="MaxBatches"/>; batch
/// offsets, broadcasting included, are constants). A constant 2-d B is packed at compile time into NR-column panels
/// (<see cref="WasmPackWeights"/>). Bias: one value per column (Gemm's [N]) or per row ([M, 1]); epilogue operands
/// broadcast to the output (a bias fused as <c>in0 + in1</c> with in1 [N], an attention mask [1, 1, M, N]). Threads
/// share C's row blocks (or its column panels when M is small) in every batch.
/// </summary>
internal static class MatMulWasm
{
    public const int MaxBatches = 64;

    /// <summary>Row blocks (of MR rows) from which threads split the rows of C rather than its columns.</summary>
    private const int MinRowBlocksToSplit = 8;

    private sealed record Shape(int M, int K, int N, int[] Batch, long[] AOff, long[] BOff);

    private static Shape? Analyse(MatMulKernel k, bool packed)
    {
        var a = k.Inputs[0].Shape;
        var b = k.Inputs[1].Shape;
        int[] aShape = a.Length == 1 ? [1, a[0]] : a;
        int[] bShape = b.Length == 1 ? [b[0], 1] : b;
        if (aShape.Length < 2 || bShape.Length < 2)
        {
            return null;
        }
        int m = aShape[^2], kk = aShape[^1], n = packed ? k.Output.Shape[^1] : bShape[^1];
        if (!packed && bShape[^2] != kk)
        {
            return null;
        }
        var aB = aShape[..^2];
        var bB = bShape[..^2];
        int rank = Math.Max(aB.Length, bB.Length);
        var batch = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - aB.Length) >= 0 ? aB[i - (rank - aB.Length)] : 1;
            int db = i - (rank - bB.Length) >= 0 ? bB[i - (rank - bB.Length)] : 1;
            batch[i] = Math.Max(da, db);
        }
        long count = batch.Aggregate(1L, (x, y) => x * y);
        if (count > MaxBatches || count * m * n != k.Output.Length)
        {
            return null;
        }
        var aOff = new long[count];
        var bOff = new long[count];
        for (long t = 0; t < count; t++)
        {
            long rest = t, ao = 0, bo = 0, aStride = 1, bStride = 1;
            for (int i = rank - 1; i >= 0; i--)
            {
                int c = (int)(rest % batch[i]);
                rest /= batch[i];
                int ai = i - (rank - aB.Length), bi = i - (rank - bB.Length);
                if (ai >= 0)
                {
                    ao += (aB[ai] == 1 ? 0 : c) * aStride;
                    aStride *= aB[ai];
                }
                if (bi >= 0)
                {
                    bo += (bB[bi] == 1 ? 0 : c) * bStride;
                    bStride *= bB[bi];
                }
            }
            aOff[t] = ao * m * kk;
            bOff[t] = bo * kk * n;
        }
        return new Shape(m, kk, n, batch, aOff, bOff);
    }

    private static BiasMode? Bias(MatMulKernel k, int m, int n)
    {
        if (!k.HasBias)
        {
            return BiasMode.None;
        }
        var s = k.Inputs[2].Shape;
        if (k.Inputs[2].DataType != DataType.Float32)
        {
            return null;
        }
        if (s.Length >= 1 && s[^1] == n && k.Inputs[2].Length == n)
        {
            return BiasMode.PerColumn;
        }
        if (s.Length >= 2 && s[^1] == 1 && s[^2] == m && k.Inputs[2].Length == m)
        {
            return BiasMode.PerRow;
        }
        return null;
    }

    /// <summary>Whether B (input 1) can be packed: a constant 2-d weight of a kernel this emitter runs.</summary>
    public static bool CanPackB(MatMulKernel k) =>
        k.Inputs[1] is { Kind: BufferKind.Weight, AliasOf: null, Shape.Length: 2 } && Supports(k);

    public static bool Supports(MatMulKernel k)
    {
        bool packed = k.WeightLayout == WasmPackWeights.PanelsB;
        if (k.Inputs.Any(b => b.DataType != DataType.Float32) || k.Output.DataType != DataType.Float32 || Analyse(k, packed) is not { } sh)
        {
            return false;
        }
        if (Bias(k, sh.M, sh.N) is null)
        {
            return false;
        }
        if (k.Epilogue is { } e)
        {
            if (!WasmExpr.Supports(e) || k.Inputs.Skip(k.EpilogueFirstInput).Any(b => Operand(b.Shape, k.Output.Shape, sh.AOff.Length) is null))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// How an epilogue operand broadcast to the output [batch…, M, N] is read: its element strides along M and N (0 where
    /// it broadcasts) and its element offset per batch; null when it does not broadcast to the output.
    /// </summary>
    private static (int Row, int Col, long[] BatchOff)? Operand(int[] op, int[] outShape, int batches)
    {
        int rank = outShape.Length;
        if (rank < 2 || op.Length > rank)
        {
            return null;
        }
        var strides = new long[rank];
        long stride = 1;
        for (int a = rank - 1; a >= 0; a--)
        {
            int oi = a - (rank - op.Length);
            int d = oi >= 0 ? op[oi] : 1;
            if (d != outShape[a] && d != 1)
            {
                return null;
            }
            strides[a] = d == 1 ? 0 : stride;
            stride *= d;
        }
        var batchShape = outShape[..^2];
        if (batchShape.Aggregate(1L, (x, y) => x * y) != batches)
        {
            return null;
        }
        var off = new long[batches];
        for (long t = 0; t < batches; t++)
        {
            long rest = t;
            for (int a = batchShape.Length - 1; a >= 0; a--)
            {
                off[t] += rest % batchShape[a] * strides[a];
                rest /= batchShape[a];
            }
        }
        return ((int)strides[rank - 2], (int)strides[rank - 1], off);
    }

    public static void Emit(WasmModuleContext ctx, FunctionBody f, MatMulKernel k)
    {
        bool packed = k.WeightLayout == WasmPackWeights.PanelsB;
        var sh = Analyse(k, packed)!;
        var bias = Bias(k, sh.M, sh.N)!.Value;
        int nEpi = k.Epilogue is null ? 0 : k.Inputs.Length - k.EpilogueFirstInput;
        var operands = k.Inputs.Skip(k.EpilogueFirstInput).Take(nEpi).Select(b => Operand(b.Shape, k.Output.Shape, sh.AOff.Length)!.Value).ToArray();
        // threads share row blocks when there are enough of them (one thread's rows reuse its B panels), else column panels
        var split = (sh.M + GemmEmitter.MR - 1) / GemmEmitter.MR >= MinRowBlocksToSplit ? GemmSplit.Rows : GemmSplit.Columns;
        var spec = new GemmSpec(sh.M, sh.N, sh.K, APacked: false, Lda: sh.K, BPacked: packed, Ldb: sh.N, Ldc: sh.N, bias, k.Epilogue, nEpi,
            [.. operands.Select(o => (o.Row, o.Col))], split);
        int gemm = ctx.Add(GemmEmitter.Emit(spec, ctx.Relaxed));
        int outP = k.Inputs.Length;
        for (int t = 0; t < sh.AOff.Length; t++)
        {
            long cOff = (long)t * sh.M * sh.N * 4;
            f.LocalGet(0).I32Const(checked((int)(sh.AOff[t] * 4))).Op(WasmOpcode.I32Add);
            f.LocalGet(1).I32Const(checked((int)(sh.BOff[t] * 4))).Op(WasmOpcode.I32Add);
            f.LocalGet(outP).I32Const(checked((int)cOff)).Op(WasmOpcode.I32Add);
            if (k.HasBias)
            {
                f.LocalGet(2);
            }
            else
            {
                f.I32Const(0);
            }
            for (int e = 0; e < nEpi; e++)
            {
                f.LocalGet(k.EpilogueFirstInput + e).I32Const(checked((int)(operands[e].BatchOff[t] * 4))).Op(WasmOpcode.I32Add);
            }
            f.Call(gemm);
        }
    }
}
