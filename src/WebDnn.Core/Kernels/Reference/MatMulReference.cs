using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// matmul: out[..., m, n] = Σ_k A[..., m, k]·B[..., k, n] (+ bias broadcast to the output), then the epilogue. Batch
/// dimensions broadcast numpy-style; a 1-D A is [1, K] and a 1-D B is [K, 1], with that axis dropped from the output
/// (numpy matmul).
/// </summary>
public static class MatMulReference
{
    public static void Run(MatMulKernel k, Tensor[] ins, Tensor output)
    {
        int[] a = ins[0].Shape, b = ins[1].Shape;
        bool aVec = a.Length == 1, bVec = b.Length == 1;
        a = aVec ? [1, a[0]] : a;
        b = bVec ? [b[0], 1] : b;
        int m = a[^2], kk = a[^1], n = b[^1];
        if (b[^2] != kk)
        {
            throw new ArgumentException($"matmul of [{string.Join(",", a)}] by [{string.Join(",", b)}]");
        }
        var os = output.Shape;
        // The output with the dropped axes restored: [batch.., m, n].
        int[] full = [.. os[..(os.Length - (aVec ? 0 : 1) - (bVec ? 0 : 1))], m, n];
        var batch = full[..^2];
        var aStrides = RowMajor.BroadcastStrides([.. a[..^2]], batch);
        var bStrides = RowMajor.BroadcastStrides([.. b[..^2]], batch);
        var bias = k.HasBias ? RowMajor.BroadcastStrides(ins[2].Shape, os) : null;
        var epi = KernelReference.EpilogueStrides(k, k.EpilogueFirstInput);
        var A = ins[0].ToDoubles();
        var B = ins[1].ToDoubles();
        var bi = new int[batch.Length];
        var oc = new int[os.Length];
        int o = 0;
        do
        {
            long ab = RowMajor.Offset(bi, aStrides) * m * kk, bb = RowMajor.Offset(bi, bStrides) * kk * n;
            for (int r = 0; r < m; r++)
            {
                for (int c = 0; c < n; c++)
                {
                    double s = 0;
                    for (int t = 0; t < kk; t++)
                    {
                        s += A[ab + r * kk + t] * B[bb + t * n + c];
                    }
                    // Output coordinates: the batch index, then m and n unless dropped.
                    bi.CopyTo(oc, 0);
                    int d = bi.Length;
                    if (!aVec)
                    {
                        oc[d++] = r;
                    }
                    if (!bVec)
                    {
                        oc[d] = c;
                    }
                    if (bias is not null)
                    {
                        s += ins[2].GetDouble((int)RowMajor.Offset(oc, bias));
                    }
                    KernelReference.Store(output, o++, KernelReference.Epilogue(k.Epilogue, s, k.EpilogueFirstInput, ins, epi, oc));
                }
            }
        }
        while (RowMajor.Next(bi, batch));
    }
}
