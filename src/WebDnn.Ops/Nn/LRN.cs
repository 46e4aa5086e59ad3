using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX LRN (opset 1, 13): y = x / (bias + alpha / size · Σ x[c']²)^beta over channels
/// c' ∈ [c - ⌊(size-1)/2⌋, c + ⌈(size-1)/2⌉] ∩ [0, C). Defaults alpha 1e-4, beta 0.75, bias 1. Reference only.
/// </summary>
public sealed class LRN : OpDef
{
    public override string OpType => "LRN";

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        ctx.SetOutput(0, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int size = (int)ctx.Int("size");
        double alpha = ctx.Float("alpha", 1e-4f), beta = ctx.Float("beta", 0.75f), bias = ctx.Float("bias", 1f);
        int n = x.Shape[0], c = x.Shape[1], s = x.Length / Math.Max(1, n * c);
        int lo = (size - 1) / 2, hi = size - 1 - lo;
        var xd = x.ToDoubles();
        var y = new double[xd.Length];
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int k = 0; k < s; k++)
                {
                    double sq = 0;
                    for (int j = Math.Max(0, ch - lo); j <= Math.Min(c - 1, ch + hi); j++)
                    {
                        double v = xd[(b * c + j) * s + k];
                        sq += v * v;
                    }
                    int i = (b * c + ch) * s + k;
                    y[i] = xd[i] / Math.Pow(bias + alpha / size * sq, beta);
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
    }
}
