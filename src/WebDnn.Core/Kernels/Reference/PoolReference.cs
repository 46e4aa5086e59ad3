using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// pool (NCHW, 1-3 spatial axes) over the window o·s - pad_begin + t·d: Max of the in-bounds elements (-∞ when none);
/// Average divides their sum by their count, or with CountIncludePad by the window taps inside the padded extent
/// [-pad_begin, L + pad_end); Lp is (Σ|x|^p)^(1/p).
/// </summary>
public static class PoolReference
{
    public static void Run(PoolKernel k, Tensor input, Tensor output)
    {
        int[] xs = input.Shape, os = output.Shape;
        int sp = xs.Length - 2;
        var X = input.ToDoubles();
        var xStrides = RowMajor.Strides(xs);
        var c = new int[os.Length];
        var kc = new int[sp];
        for (int i = 0; i < output.Length; i++)
        {
            double r = k.Kind == PoolKind.Max ? double.NegativeInfinity : 0;
            int count = 0, padCount = 0;
            Array.Clear(kc);
            do
            {
                long at = (long)c[0] * xStrides[0] + (long)c[1] * xStrides[1];
                bool inside = true, inPad = true;
                for (int d = 0; d < sp; d++)
                {
                    long p = (long)c[2 + d] * k.Strides[d] - k.Pads[d] + (long)kc[d] * k.Dilations[d];
                    inside &= p >= 0 && p < xs[2 + d];
                    inPad &= p >= -k.Pads[d] && p < xs[2 + d] + k.Pads[sp + d];
                    at += p * xStrides[2 + d];
                }
                padCount += inPad ? 1 : 0;
                if (!inside)
                {
                    continue;
                }
                double v = X[at];
                count++;
                r = k.Kind switch
                {
                    PoolKind.Max => Math.Max(r, v),
                    PoolKind.Average => r + v,
                    _ => r + Math.Pow(Math.Abs(v), k.P),
                };
            }
            while (RowMajor.Next(kc, k.KernelShape));
            double y = k.Kind switch
            {
                PoolKind.Max => r,
                PoolKind.Average => r / (k.CountIncludePad ? padCount : count),
                _ => Math.Pow(r, 1.0 / k.P),
            };
            KernelReference.Store(output, i, y);
            RowMajor.Next(c, os);
        }
    }
}
