using WebDnn.Backends.Common;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// matmul: the tiled <see cref="GemmCore"/> per batch (workgroup z); batch coordinates broadcast A and B numpy-style.
/// Bias and epilogue operands are read through broadcast strides against the output buffer.
/// </summary>
internal static class MatMulWgsl
{
    public static void Emit(WgslKernel c, MatMulKernel k)
    {
        var g = MatMulShape.Of(k);
        int m = g.M, kk = g.K, n = g.N, rank = g.Batch.Length;
        var batch = g.Batch;
        long z = batch.Aggregate(1L, (x, d) => x * d);
        var (aStrides, bStrides) = (g.ABatchStrides, g.BBatchStrides);
        string aBase = rank == 0 ? "0i" : WgslIndex.Offset("z", batch, aStrides);
        string bBase = rank == 0 ? "0i" : WgslIndex.Offset("z", batch, bStrides);
        void Functions(WgslKernel c)
        {
            var w = c.W;
            w.Function("fn load_a(z: i32, m: i32, k: i32) -> f32", () => w.Line($"return {c.Load(0, $"{aBase} + m * {WgslWriter.I32(kk)} + k")};"));
            w.Function("fn load_b(z: i32, k: i32, n: i32) -> f32", () => w.Line($"return {c.Load(1, $"{bBase} + k * {WgslWriter.I32(n)} + n")};"));
            // Bias and epilogue operands broadcast against the output buffer (a vector operand drops its matrix axis), whose
            // element order is that of [batch..., M, N].
            var outShape = k.Output.Shape;
            var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, outShape);
            w.Function("fn store(z: i32, m: i32, n: i32, acc: f32)", () =>
            {
                w.Line($"let o = (z * {WgslWriter.I32(m)} + m) * {WgslWriter.I32(n)} + n;");
                string v = "acc";
                if (k.HasBias)
                {
                    var bias = k.Inputs[2];
                    v = $"acc + {c.Load(2, bias.Length == 1 ? "0" : WgslIndex.Offset("o", outShape, WgslIndex.Broadcast(bias.Shape, outShape)))}";
                }
                epi.Store(v);
            });
        }
        GemmCore.Emit(c, Functions, m, n, kk, z);
    }
}
