using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// matmul: the tiled <see cref="GemmCore"/> per batch (workgroup z); batch coordinates broadcast A and B numpy-style.
/// Bias and epilogue operands are read through broadcast strides against the full [batch..., M, N] output.
/// </summary>
internal static class MatMulWgsl
{
    public static void Emit(WgslKernel c, MatMulKernel k)
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
        long z = batch.Aggregate(1L, (x, d) => x * d);
        int[] full = [.. batch, m, n];
        var aStrides = WgslIndex.Broadcast([.. aBatch, 1, 1], full)[..rank].Select(s => s * m * kk).ToArray();
        var bStrides = WgslIndex.Broadcast([.. bBatch, 1, 1], full)[..rank].Select(s => s * kk * n).ToArray();
        string aBase = rank == 0 ? "0i" : WgslIndex.Offset("z", batch, aStrides);
        string bBase = rank == 0 ? "0i" : WgslIndex.Offset("z", batch, bStrides);
        void Functions(WgslKernel c)
        {
            var w = c.W;
            w.Function("fn load_a(z: i32, m: i32, k: i32) -> f32", () => w.Line($"return {c.Load(0, $"{aBase} + m * {WgslWriter.I32(kk)} + k")};"));
            w.Function("fn load_b(z: i32, k: i32, n: i32) -> f32", () => w.Line($"return {c.Load(1, $"{bBase} + k * {WgslWriter.I32(n)} + n")};"));
            var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, full);
            w.Function("fn store(z: i32, m: i32, n: i32, acc: f32)", () =>
            {
                w.Line($"let o = (z * {WgslWriter.I32(m)} + m) * {WgslWriter.I32(n)} + n;");
                string v = "acc";
                if (k.HasBias)
                {
                    var bias = k.Inputs[2];
                    v = $"acc + {c.Load(2, bias.Length == 1 ? "0" : WgslIndex.Offset("o", full, WgslIndex.Broadcast(bias.Shape, full)))}";
                }
                epi.Store(v);
            });
        }
        GemmCore.Emit(c, Functions, m, n, kk, z);
    }
}
