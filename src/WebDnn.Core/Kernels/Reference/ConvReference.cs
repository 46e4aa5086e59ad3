using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// conv (NCHW, 1-3 spatial axes): out[n, m, o..] = bias[m] + Σ_{c, t..} X[n, g·C/G + c, o·s - pad_begin + t·d]·W[m, c, t..]
/// with g = m / (M/G) and taps outside the input skipped (zero padding), then the epilogue.
/// </summary>
public static class ConvReference
{
    public static void Run(ConvKernel k, Tensor[] ins, Tensor output)
    {
        int[] xs = ins[0].Shape, ws = ins[1].Shape, os = output.Shape;
        int sp = xs.Length - 2, cg = ws[1], mg = ws[0] / k.Group;
        var kShape = ws[2..];
        var X = ins[0].ToDoubles();
        var W = ins[1].ToDoubles();
        var xStrides = RowMajor.Strides(xs);
        var epi = KernelReference.EpilogueStrides(k, k.EpilogueFirstInput);
        var c = new int[os.Length];
        var kc = new int[sp];
        for (int i = 0; i < output.Length; i++)
        {
            int g = c[1] / mg;
            double s = k.HasBias ? ins[2].GetDouble(c[1]) : 0;
            for (int ci = 0; ci < cg; ci++)
            {
                long wBase = ((long)c[1] * cg + ci) * Tensor.ElementCount(kShape);
                Array.Clear(kc);
                long t = 0;
                do
                {
                    long at = (long)c[0] * xStrides[0] + (long)(g * cg + ci) * xStrides[1];
                    bool inside = true;
                    for (int d = 0; d < sp && inside; d++)
                    {
                        long p = (long)c[2 + d] * k.Strides[d] - k.Pads[d] + (long)kc[d] * k.Dilations[d];
                        inside = p >= 0 && p < xs[2 + d];
                        at += p * xStrides[2 + d];
                    }
                    if (inside)
                    {
                        s += X[at] * W[wBase + t];
                    }
                    t++;
                }
                while (RowMajor.Next(kc, kShape));
            }
            KernelReference.Store(output, i, KernelReference.Epilogue(k.Epilogue, s, k.EpilogueFirstInput, ins, epi, c));
            RowMajor.Next(c, os);
        }
    }
}
