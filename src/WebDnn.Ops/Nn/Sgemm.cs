using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WebDnn.Ops.Nn;

/// <summary>
/// The reference single-precision GEMM behind Conv, ConvTranspose, MatMul and Gemm:
/// C[i, j] (+)= Σ_k A[i, k] · B(k, j), A row-major with row stride lda, C row-major with row stride ldc.
/// B is supplied by a packing callback that writes column panels of <see cref="PanelWidth"/> columns
/// (k-major, zero-padded), so Conv packs its im2col panels directly from the image (implicit GEMM, no
/// full im2col buffer). A 6×(2·Vector&lt;float&gt;.Count) register-blocked micro-kernel with FMA runs over
/// each panel; blocks of columns × rows run in parallel. Summation order differs from a naive loop, so
/// results match it to float rounding only.
/// </summary>
public static class Sgemm
{
    private const int MR = 6;

    private static readonly int s_v = Vector<float>.Count;

    /// <summary>Columns per packed panel.</summary>
    public static int PanelWidth => 2 * s_v;

    /// <summary>
    /// Writes the columns [n0, n0 + nb) of B into <paramref name="panels"/>: ceil(nb / PanelWidth) panels, each
    /// k × PanelWidth floats with panel[kk * PanelWidth + jj] = B(kk, n0 + p * PanelWidth + jj), zeros past nb.
    /// </summary>
    public delegate void PackB(int n0, int nb, float[] panels);

    /// <summary>Packs a row-major B[k, n] with row stride <paramref name="ldb"/> starting at <paramref name="bOff"/>.</summary>
    public static PackB RowMajor(float[] b, int bOff, int ldb, int k) => (n0, nb, panels) =>
    {
        int nr = PanelWidth;
        int np = (nb + nr - 1) / nr;
        for (int p = 0; p < np; p++)
        {
            int j0 = n0 + p * nr;
            int w = Math.Min(nr, n0 + nb - j0);
            var dst = panels.AsSpan(p * k * nr, k * nr);
            if (w < nr)
            {
                dst.Clear();
            }
            for (int kk = 0; kk < k; kk++)
            {
                b.AsSpan(bOff + kk * ldb + j0, w).CopyTo(dst.Slice(kk * nr, w));
            }
        }
    };

    /// <summary>Packs B = Bt^T where Bt is row-major [n, k] with row stride <paramref name="ldbt"/> (Gemm transB).</summary>
    public static PackB Transposed(float[] bt, int bOff, int ldbt, int k) => (n0, nb, panels) =>
    {
        int nr = PanelWidth;
        int np = (nb + nr - 1) / nr;
        Array.Clear(panels, 0, np * k * nr);
        for (int j = 0; j < nb; j++)
        {
            int p = j / nr, jj = j % nr;
            int src = bOff + (n0 + j) * ldbt;
            int dst = p * k * nr + jj;
            for (int kk = 0; kk < k; kk++)
            {
                panels[dst + kk * nr] = bt[src + kk];
            }
        }
    };

    /// <summary>
    /// C = A·B (or C += A·B when <paramref name="accumulate"/>), with m×k A at <paramref name="aOff"/> (row stride lda)
    /// and m×n C at <paramref name="cOff"/> (row stride ldc).
    /// </summary>
    public static void Multiply(int m, int n, int k, float[] a, int aOff, int lda, PackB packB, float[] c, int cOff, int ldc, bool accumulate)
    {
        if (m == 0 || n == 0)
        {
            return;
        }
        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    c.AsSpan(cOff + i * ldc, n).Clear();
                }
            }
            return;
        }
        int nr = PanelWidth;
        // Keep one packed block (k × nb floats) around 256 KiB so it stays in L2 while every row block streams over it.
        int nb = Math.Clamp(65536 / k / nr * nr, nr, 512);
        nb = Math.Min(nb, (n + nr - 1) / nr * nr);
        int mb = 96;
        int nBlocks = (n + nb - 1) / nb;
        int mBlocks = (m + mb - 1) / mb;
        // Few column blocks: split rows more finely so both cores get work.
        if (nBlocks * mBlocks < 2 * Environment.ProcessorCount && m > MR * 4)
        {
            mb = Math.Max(MR * 2, (m + 2 * Environment.ProcessorCount - 1) / (2 * Environment.ProcessorCount) / MR * MR + MR);
            mBlocks = (m + mb - 1) / mb;
        }
        int tasks = nBlocks * mBlocks;
        void Task(int t)
        {
            int nbi = t / mBlocks, mbi = t % mBlocks;
            int n0 = nbi * nb, nCount = Math.Min(nb, n - n0);
            int m0 = mbi * mb, mCount = Math.Min(mb, m - m0);
            int np = (nCount + nr - 1) / nr;
            var panels = ArrayPool<float>.Shared.Rent(np * k * nr);
            try
            {
                packB(n0, nCount, panels);
                for (int p = 0; p < np; p++)
                {
                    int cols = Math.Min(nr, nCount - p * nr);
                    int pOff = p * k * nr;
                    int i = m0;
                    for (; i + MR <= m0 + mCount; i += MR)
                    {
                        Kernel6(k, a, aOff + i * lda, lda, panels, pOff, c, cOff + i * ldc + n0 + p * nr, ldc, cols, accumulate);
                    }
                    for (; i < m0 + mCount; i++)
                    {
                        Kernel1(k, a, aOff + i * lda, panels, pOff, c, cOff + i * ldc + n0 + p * nr, cols, accumulate);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(panels);
            }
        }
        if (tasks == 1 || (long)m * n * k < 1 << 16)
        {
            for (int t = 0; t < tasks; t++)
            {
                Task(t);
            }
        }
        else
        {
            Parallel.For(0, tasks, Task);
        }
    }

    /// <summary>
    /// C[i, j] (+)= Σ_k A[i, k] · Bt[j, k] by dot products (small m with a transposed B, e.g. fully connected layers at batch 1).
    /// </summary>
    public static void MultiplyDot(int m, int n, int k, float[] a, int aOff, int lda, float[] bt, int bOff, int ldbt, float[] c, int cOff, int ldc, bool accumulate)
    {
        void Row(int j)
        {
            var bRow = bt.AsSpan(bOff + j * ldbt, k);
            for (int i = 0; i < m; i++)
            {
                float d = TensorPrimitives.Dot(a.AsSpan(aOff + i * lda, k), bRow);
                ref float dst = ref c[cOff + i * ldc + j];
                dst = accumulate ? dst + d : d;
            }
        }
        if ((long)m * n * k < 1 << 16)
        {
            for (int j = 0; j < n; j++)
            {
                Row(j);
            }
        }
        else
        {
            Parallel.For(0, n, Row);
        }
    }

    private static void Kernel6(int k, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff, int ldc, int cols, bool accumulate)
    {
        int v = s_v, nr = 2 * v;
        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), aOff);
        ref float a1 = ref Unsafe.Add(ref a0, lda);
        ref float a2 = ref Unsafe.Add(ref a1, lda);
        ref float a3 = ref Unsafe.Add(ref a2, lda);
        ref float a4 = ref Unsafe.Add(ref a3, lda);
        ref float a5 = ref Unsafe.Add(ref a4, lda);
        ref float pb = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(b), bOff);
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            var b0 = Vector.LoadUnsafe(ref pb, (nuint)(p * nr));
            var b1 = Vector.LoadUnsafe(ref pb, (nuint)(p * nr + v));
            var x = new Vector<float>(Unsafe.Add(ref a0, p));
            c00 = Vector.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector.FusedMultiplyAdd(x, b1, c01);
            x = new Vector<float>(Unsafe.Add(ref a1, p));
            c10 = Vector.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector.FusedMultiplyAdd(x, b1, c11);
            x = new Vector<float>(Unsafe.Add(ref a2, p));
            c20 = Vector.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector.FusedMultiplyAdd(x, b1, c21);
            x = new Vector<float>(Unsafe.Add(ref a3, p));
            c30 = Vector.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector.FusedMultiplyAdd(x, b1, c31);
            x = new Vector<float>(Unsafe.Add(ref a4, p));
            c40 = Vector.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector.FusedMultiplyAdd(x, b1, c41);
            x = new Vector<float>(Unsafe.Add(ref a5, p));
            c50 = Vector.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector.FusedMultiplyAdd(x, b1, c51);
        }
        Store(c, cOff, cols, accumulate, c00, c01);
        Store(c, cOff + ldc, cols, accumulate, c10, c11);
        Store(c, cOff + 2 * ldc, cols, accumulate, c20, c21);
        Store(c, cOff + 3 * ldc, cols, accumulate, c30, c31);
        Store(c, cOff + 4 * ldc, cols, accumulate, c40, c41);
        Store(c, cOff + 5 * ldc, cols, accumulate, c50, c51);
    }

    private static void Kernel1(int k, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int cols, bool accumulate)
    {
        int v = s_v, nr = 2 * v;
        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), aOff);
        ref float pb = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(b), bOff);
        Vector<float> c00 = default, c01 = default;
        for (int p = 0; p < k; p++)
        {
            var x = new Vector<float>(Unsafe.Add(ref a0, p));
            c00 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref pb, (nuint)(p * nr)), c00);
            c01 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref pb, (nuint)(p * nr + v)), c01);
        }
        Store(c, cOff, cols, accumulate, c00, c01);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float[] c, int off, int cols, bool accumulate, Vector<float> lo, Vector<float> hi)
    {
        int v = s_v;
        if (cols == 2 * v)
        {
            var dst = c.AsSpan(off, 2 * v);
            if (accumulate)
            {
                lo += new Vector<float>(dst);
                hi += new Vector<float>(dst[v..]);
            }
            lo.CopyTo(dst);
            hi.CopyTo(dst[v..]);
            return;
        }
        Span<float> tmp = stackalloc float[2 * v];
        lo.CopyTo(tmp);
        hi.CopyTo(tmp[v..]);
        var d = c.AsSpan(off, cols);
        if (accumulate)
        {
            TensorPrimitives.Add(d, tmp[..cols], d);
        }
        else
        {
            tmp[..cols].CopyTo(d);
        }
    }
}
