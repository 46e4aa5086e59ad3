using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Common;

/// <summary>
/// How a <see cref="CopyKernel"/> reads its input, as every backend needs it: the input axes whose coordinate can leave
/// the input (<see cref="Checked"/>: Pad, Tile) and, for the others, the input offset as a linear function of the
/// iteration coordinates (<see cref="InBase"/> + Σ idx[d]·<see cref="InLinear"/>[d]).
/// </summary>
/// <param name="Checked">Per input axis, whether its coordinate can leave the input.</param>
/// <param name="InBase">Input offset of iteration index 0 over the unchecked axes.</param>
/// <param name="InLinear">Per iteration axis, its input offset step over the unchecked axes.</param>
/// <param name="InStrides">Row-major strides of the input view.</param>
public sealed record CopyPlan(bool[] Checked, long InBase, long[] InLinear, long[] InStrides)
{
    public static CopyPlan Of(CopyKernel k)
    {
        int rank = k.Shape.Length;
        var inStrides = RowMajor.Strides(k.InShape);
        var check = new bool[k.InShape.Length];
        for (int j = 0; j < check.Length; j++)
        {
            long lo = k.InStart[j], hi = k.InStart[j];
            for (int d = 0; d < rank; d++)
            {
                if (k.InAxis[d] == j)
                {
                    long span = (long)k.InStep[d] * (k.Shape[d] - 1);
                    lo += Math.Min(0, span);
                    hi += Math.Max(0, span);
                }
            }
            check[j] = k.Mode != PadMode.None && (lo < 0 || hi >= k.InShape[j]);
        }
        long inBase = 0;
        var inLinear = new long[rank];
        for (int j = 0; j < check.Length; j++)
        {
            inBase += check[j] ? 0 : k.InStart[j] * inStrides[j];
        }
        for (int d = 0; d < rank; d++)
        {
            int j = k.InAxis[d];
            inLinear[d] = j >= 0 && !check[j] ? k.InStep[d] * inStrides[j] : 0;
        }
        return new CopyPlan(check, inBase, inLinear, inStrides);
    }

    /// <summary>Per iteration axis, the step of checked input axis <paramref name="j"/>'s coordinate.</summary>
    public long[] CoordinateSteps(CopyKernel k, int j) => [.. Enumerable.Range(0, k.Shape.Length).Select(d => k.InAxis[d] == j ? (long)k.InStep[d] : 0)];
}

/// <summary>
/// A <see cref="MatMulKernel"/> as a batch of M×K by K×N products: vector operands become 1×K / K×1, batch axes broadcast
/// numpy-style to <see cref="Batch"/>; <see cref="ABatchStrides"/>/<see cref="BBatchStrides"/> give each operand's
/// element offset per batch coordinate (0 where it broadcasts).
/// </summary>
public sealed record MatMulShape(int M, int K, int N, int[] Batch, long[] ABatchStrides, long[] BBatchStrides)
{
    /// <summary>[batch..., M, N]: the output's element order (the output buffer may squeeze vector axes).</summary>
    public int[] Full => [.. Batch, M, N];

    public static MatMulShape Of(MatMulKernel k)
    {
        var a = k.Inputs[0].Shape;
        var b = k.Inputs[1].Shape;
        int[] aShape = a.Length == 1 ? [1, a[0]] : a;
        int[] bShape = b.Length == 1 ? [b[0], 1] : b;
        int m = aShape[^2], kk = aShape[^1], n = bShape[^1];
        var aBatch = aShape[..^2];
        var bBatch = bShape[..^2];
        int rank = Math.Max(aBatch.Length, bBatch.Length);
        var batch = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - aBatch.Length) >= 0 ? aBatch[i - (rank - aBatch.Length)] : 1;
            int db = i - (rank - bBatch.Length) >= 0 ? bBatch[i - (rank - bBatch.Length)] : 1;
            batch[i] = Math.Max(da, db);
        }
        int[] full = [.. batch, m, n];
        return new MatMulShape(m, kk, n, batch,
            [.. RowMajor.BroadcastStrides([.. aBatch, 1, 1], full)[..rank].Select(s => s * m * kk)],
            [.. RowMajor.BroadcastStrides([.. bBatch, 1, 1], full)[..rank].Select(s => s * kk * n)]);
    }
}
