using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// conv_transpose (NCHW, 1-3 spatial axes): every input element X[n, c, i..] adds X·W[c, m, t..] to
/// out[n, g·M/G + m, i·s - pad_begin + t·d] (g = c / (C/G)) when that lands inside the output; then bias[m] and the epilogue.
/// </summary>
public static class ConvTransposeReference
{
    public static void Run(ConvTransposeKernel k, Tensor[] ins, Tensor output)
    {
        int[] xs = ins[0].Shape, ws = ins[1].Shape, os = output.Shape;
        int sp = xs.Length - 2, mg = ws[1], cg = xs[1] / k.Group;
        var kShape = ws[2..];
        long taps = Tensor.ElementCount(kShape);
        var X = ins[0].ToDoubles();
        var W = ins[1].ToDoubles();
        var oStrides = RowMajor.Strides(os);
        var acc = new double[output.Length];
        var xc = new int[xs.Length];
        var kc = new int[sp];
        for (int i = 0; i < X.Length; i++)
        {
            int g = xc[1] / cg;
            for (int mm = 0; mm < mg; mm++)
            {
                Array.Clear(kc);
                long t = 0;
                do
                {
                    long at = (long)xc[0] * oStrides[0] + (long)(g * mg + mm) * oStrides[1];
                    bool inside = true;
                    for (int d = 0; d < sp && inside; d++)
                    {
                        long p = (long)xc[2 + d] * k.Strides[d] - k.Pads[d] + (long)kc[d] * k.Dilations[d];
                        inside = p >= 0 && p < os[2 + d];
                        at += p * oStrides[2 + d];
                    }
                    if (inside)
                    {
                        acc[at] += X[i] * W[((long)xc[1] * mg + mm) * taps + t];
                    }
                    t++;
                }
                while (RowMajor.Next(kc, kShape));
            }
            RowMajor.Next(xc, xs);
        }
        var epi = KernelReference.EpilogueStrides(k, k.EpilogueFirstInput);
        var c = new int[os.Length];
        for (int i = 0; i < acc.Length; i++)
        {
            double s = acc[i] + (k.HasBias ? ins[2].GetDouble(c[1]) : 0);
            KernelReference.Store(output, i, KernelReference.Epilogue(k.Epilogue, s, k.EpilogueFirstInput, ins, epi, c));
            RowMajor.Next(c, os);
        }
    }
}
