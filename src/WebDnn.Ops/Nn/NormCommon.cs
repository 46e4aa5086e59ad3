using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>Row statistics shared by the normalization ops (computed in double, population variance).</summary>
public static class NormCommon
{
    /// <summary>
    /// Normalizes each contiguous row of <paramref name="n"/> values: y = (x - mean) / sqrt(var + eps).
    /// Returns y plus per-row mean and 1/sqrt(var + eps).
    /// </summary>
    public static (double[] Y, double[] Mean, double[] InvStd) Rows(double[] x, int outer, int n, double eps)
    {
        var y = new double[x.Length];
        var mean = new double[outer];
        var inv = new double[outer];
        for (int o = 0; o < outer; o++)
        {
            int b = o * n;
            double s = 0;
            for (int k = 0; k < n; k++)
            {
                s += x[b + k];
            }
            double m = s / n;
            double v = 0;
            for (int k = 0; k < n; k++)
            {
                double d = x[b + k] - m;
                v += d * d;
            }
            v /= n;
            double r = 1 / Math.Sqrt(v + eps);
            for (int k = 0; k < n; k++)
            {
                y[b + k] = (x[b + k] - m) * r;
            }
            mean[o] = m;
            inv[o] = r;
        }
        return (y, mean, inv);
    }

    /// <summary>A reshaped view of a kernel buffer (shares storage; weights keep their data).</summary>
    public static KernelBuffer View(LowerContext ctx, KernelBuffer source, int[] shape)
    {
        var v = ctx.Program.NewBuffer(source.DataType, shape, source.Kind == BufferKind.Weight ? BufferKind.Weight : BufferKind.Activation);
        v.AliasOf = source;
        if (source.Kind == BufferKind.Weight)
        {
            v.Weight = source.Weight?.Reshape(shape);
        }
        return v;
    }

    /// <summary>A new f32 weight buffer.</summary>
    public static KernelBuffer Weight(LowerContext ctx, int[] shape, float[] data)
    {
        var w = ctx.Program.NewBuffer(DataType.Float32, shape, BufferKind.Weight);
        w.Weight = Tensor.FromFloats(shape, data);
        return w;
    }

    /// <summary>[C, 1, …, 1] with <paramref name="trailing"/> ones: per-channel operands that broadcast over spatial dims.</summary>
    public static int[] ChannelShape(int c, int trailing) => [c, .. Enumerable.Repeat(1, trailing)];
}
