namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// resize: y[o..] = ExtrapolationValue when on some axis a the taps of o_a are <see cref="ResizeAxis.Outside"/>; otherwise
/// Σ over every tap combination (t_0, t_1, …) of Π_a Weight_a[o_a·T_a + t_a] · x[Index_0[o_0·T_0 + t_0], Index_1[…], …].
/// Only gathers and weights: the coordinate math was done when the kernel was made.
/// </summary>
public static class ResizeReference
{
    public static void Run(ResizeKernel k, Tensor input, Tensor output)
    {
        int[] xs = input.Shape, os = output.Shape;
        int rank = xs.Length;
        var x = input.ToDoubles();
        var xStrides = Geometry.RowMajor.Strides(xs);
        var taps = k.Axes.Select(a => a.Taps).ToArray();
        var o = new int[rank];
        var t = new int[rank];
        for (int i = 0; i < output.Length; i++)
        {
            bool outside = false;
            for (int a = 0; a < rank; a++)
            {
                outside |= k.Axes[a].Index[o[a] * taps[a]] == ResizeAxis.Outside;
            }
            double s = 0;
            if (!outside)
            {
                Array.Clear(t);
                do
                {
                    double w = 1;
                    long at = 0;
                    for (int a = 0; a < rank; a++)
                    {
                        int j = o[a] * taps[a] + t[a];
                        w *= k.Axes[a].Weight[j];
                        at += k.Axes[a].Index[j] * xStrides[a];
                    }
                    s += w * x[at];
                }
                while (Geometry.RowMajor.Next(t, taps));
            }
            KernelReference.Store(output, i, outside ? k.ExtrapolationValue : s);
            Geometry.RowMajor.Next(o, os);
        }
    }
}
