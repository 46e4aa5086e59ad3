using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX GridSample (opset 16 for 2-d with modes bilinear/nearest/bicubic; opset 20 for N-d with linear/nearest/cubic).
/// X is [N, C, D1…Dr], grid [N, O1…Or, r] with normalized coordinates in [-1, 1], last component for the last
/// spatial axis. Y[n, c, o] samples X[n, c] at x_i = (g + 1)/2 · (D_i - 1) (align_corners) or ((g + 1)·D_i - 1)/2.
/// Coordinates outside the border range are clamped (padding_mode border) or reflected (reflection) first.
/// nearest rounds half to even; linear and cubic (Keys, a = -0.75) interpolate
/// separably, taps outside X reading 0 (zeros), the clamped edge (border) or the reflected index (reflection).
/// Computed in double. Reference only.
/// </summary>
public sealed class GridSample : OpDef
{
    public override string OpType => "GridSample";

    public override int SinceVersion => 16;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var g = ctx.InputType(1);
        if (x.Shape is null || g.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        if (g.Rank != x.Rank || x.Rank < 3)
        {
            throw ctx.Error($"grid rank {g.Rank} must equal the input rank {x.Rank} (≥ 3)");
        }
        ctx.SetOutput(0, x.DataType, [x.Shape[0], x.Shape[1], .. g.Shape[1..^1]]);
    }

    private static double Reflect(double x, double lo, double hi)
    {
        double rng = hi - lo;
        if (x < lo)
        {
            double dx = lo - x;
            int n = (int)(dx / rng);
            double r = dx - n * rng;
            return n % 2 == 0 ? lo + r : hi - r;
        }
        if (x > hi)
        {
            double dx = x - hi;
            int n = (int)(dx / rng);
            double r = dx - n * rng;
            return n % 2 == 0 ? hi - r : lo + r;
        }
        return x;
    }

    private static void Cubic(double x, Span<double> c)
    {
        const double a = -0.75;
        x = Math.Abs(x);
        c[0] = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
        c[1] = ((a + 2) * x - (a + 3)) * x * x + 1;
        c[2] = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
        c[3] = ((a * (2 - x) - 5 * a) * (2 - x) + 8 * a) * (2 - x) - 4 * a;
    }

    public override void Evaluate(EvalContext ctx)
    {
        var xt = ctx.Input(0);
        var gt = ctx.Input(1);
        int r = xt.Rank - 2;
        if (gt.Rank != xt.Rank || r < 1 || gt.Shape[^1] != r || gt.Shape[0] != xt.Shape[0])
        {
            throw ctx.Error($"grid [{string.Join(",", gt.Shape)}] does not fit input [{string.Join(",", xt.Shape)}]");
        }
        string mode = ctx.Str("mode", ctx.Opset >= 20 ? "linear" : "bilinear") switch
        {
            "bilinear" or "linear" => "linear",
            "bicubic" or "cubic" => "cubic",
            "nearest" => "nearest",
            var m => throw ctx.Error($"mode '{m}' is not supported"),
        };
        string pad = ctx.Str("padding_mode", "zeros");
        if (pad is not ("zeros" or "border" or "reflection"))
        {
            throw ctx.Error($"padding_mode '{pad}' is not supported");
        }
        bool align = ctx.Int("align_corners", 0) != 0;
        int n = xt.Shape[0], c = xt.Shape[1];
        var dims = xt.Shape[2..];
        var outSp = gt.Shape[1..^1];
        int inSize = dims.Aggregate(1, (a, b) => a * b);
        int outSize = outSp.Aggregate(1, (a, b) => a * b);
        var xs = Tensor.Strides(dims);
        var x = xt.ToDoubles();
        var g = gt.ToDoubles();
        var y = new double[n * c * outSize];
        var lo = new double[r];
        var hi = new double[r];
        for (int i = 0; i < r; i++)
        {
            (lo[i], hi[i]) = align ? (0.0, dims[i] - 1.0) : (-0.5, dims[i] - 0.5);
        }
        int taps = mode == "cubic" ? 4 : mode == "linear" ? 2 : 1;
        var idx = new int[r, taps];
        var w = new double[r, taps];
        var coeff = new double[4];
        var pos = new double[r];
        var cur = new int[r];
        for (int b = 0; b < n; b++)
        {
            for (int o = 0; o < outSize; o++)
            {
                int go = (b * outSize + o) * r;
                for (int i = 0; i < r; i++)
                {
                    double gn = g[go + r - 1 - i];
                    double p = align ? (gn + 1) / 2 * (dims[i] - 1) : ((gn + 1) * dims[i] - 1) / 2;
                    if (mode == "nearest")
                    {
                        p = Math.Round(p, MidpointRounding.ToEven);
                    }
                    if (p < lo[i] || p > hi[i])
                    {
                        p = pad == "border" ? Math.Clamp(p, 0, dims[i] - 1) : pad == "reflection" ? Reflect(p, lo[i], hi[i]) : p;
                    }
                    pos[i] = p;
                    if (mode == "nearest")
                    {
                        idx[i, 0] = (int)p;
                        w[i, 0] = 1;
                    }
                    else
                    {
                        int f = (int)Math.Floor(p);
                        double t = p - f;
                        if (mode == "linear")
                        {
                            (idx[i, 0], idx[i, 1], w[i, 0], w[i, 1]) = (f, f + 1, 1 - t, t);
                        }
                        else
                        {
                            Cubic(t, coeff);
                            for (int k = 0; k < 4; k++)
                            {
                                idx[i, k] = f - 1 + k;
                                w[i, k] = coeff[k];
                            }
                        }
                    }
                }
                for (int ch = 0; ch < c; ch++)
                {
                    int xo = (b * c + ch) * inSize;
                    double acc = 0;
                    Array.Fill(cur, 0);
                    while (true)
                    {
                        double wt = 1;
                        int off = 0;
                        bool zero = false;
                        for (int i = 0; i < r; i++)
                        {
                            int j = idx[i, cur[i]];
                            wt *= w[i, cur[i]];
                            if (j < 0 || j >= dims[i])
                            {
                                if (pad == "zeros")
                                {
                                    zero = true;
                                }
                                else if (pad == "border")
                                {
                                    j = Math.Clamp(j, 0, dims[i] - 1);
                                }
                                else
                                {
                                    j = Math.Clamp((int)Reflect(j, lo[i], hi[i]), 0, dims[i] - 1);
                                }
                            }
                            off += j * xs[i];
                        }
                        if (!zero)
                        {
                            acc += wt * x[xo + off];
                        }
                        int d = r - 1;
                        while (d >= 0 && ++cur[d] == taps)
                        {
                            cur[d] = 0;
                            d--;
                        }
                        if (d < 0)
                        {
                            break;
                        }
                    }
                    y[(b * c + ch) * outSize + o] = acc;
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(xt.DataType, [n, c, .. outSp], y));
    }
}
