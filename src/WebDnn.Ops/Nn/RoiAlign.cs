using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX RoiAlign (opset 10, 16, 22): X [N, C, H, W], rois [R, 4] as (x1, y1, x2, y2), batch_indices [R] →
/// Y [R, C, output_height, output_width]. Each ROI (scaled by spatial_scale, shifted by -0.5 for
/// coordinate_transformation_mode half_pixel, the opset-16 default; opset 10 behaves as output_half_pixel, which also
/// forces ROIs to at least 1×1) is split into bins; each bin averages (mode avg) or maxes (mode max: the maximum of
/// the four weighted corner terms, as ONNX Runtime does) bilinear samples on a sampling_ratio² grid
/// (0: ⌈roi size / bins⌉ per axis). Samples beyond [-1, size] contribute 0; others are clamped to the map.
/// Computed in double. Reference only.
/// </summary>
public sealed class RoiAlign : OpDef
{
    public override string OpType => "RoiAlign";

    public override int SinceVersion => 10;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        var r = ctx.InputType(2);
        Dim n = r.Shape is { Length: 1 } s ? s[0] : Dim.Unknown;
        Dim c = x.Shape is { Length: 4 } xs ? xs[1] : Dim.Unknown;
        ctx.SetOutput(0, x.DataType, [n, c, Dim.Of(ctx.Int("output_height", 1)), Dim.Of(ctx.Int("output_width", 1))]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var xt = ctx.Input(0);
        var rois = ctx.Input(1).ToDoubles();
        var bi = ctx.Input(2);
        if (xt.Rank != 4 || ctx.Input(1).Rank != 2 || ctx.Input(1).Shape[1] != 4 || ctx.Input(1).Shape[0] != bi.Length)
        {
            throw ctx.Error("X must be [N, C, H, W], rois [R, 4] and batch_indices [R]");
        }
        int c = xt.Shape[1], h = xt.Shape[2], w = xt.Shape[3];
        int ph = (int)ctx.Int("output_height", 1), pw = (int)ctx.Int("output_width", 1);
        int sampling = (int)ctx.Int("sampling_ratio", 0);
        double scale = ctx.Float("spatial_scale", 1);
        bool half = ctx.Opset >= 16 && ctx.Str("coordinate_transformation_mode", "half_pixel") == "half_pixel";
        bool max = ctx.Str("mode", "avg") == "max";
        var x = xt.ToDoubles();
        int nr = bi.Length;
        var y = new double[nr * c * ph * pw];
        for (int n = 0; n < nr; n++)
        {
            long b = bi.GetLong(n);
            if (b < 0 || b >= xt.Shape[0])
            {
                throw ctx.Error($"batch index {b} is out of range");
            }
            double off = half ? 0.5 : 0;
            double sw = rois[n * 4] * scale - off, sh = rois[n * 4 + 1] * scale - off;
            double ew = rois[n * 4 + 2] * scale - off, eh = rois[n * 4 + 3] * scale - off;
            double rw = ew - sw, rh = eh - sh;
            if (!half)
            {
                rw = Math.Max(rw, 1);
                rh = Math.Max(rh, 1);
            }
            double bh = rh / ph, bw = rw / pw;
            int gh = sampling > 0 ? sampling : (int)Math.Ceiling(rh / ph);
            int gw = sampling > 0 ? sampling : (int)Math.Ceiling(rw / pw);
            int count = Math.Max(gh * gw, 1);
            for (int ch = 0; ch < c; ch++)
            {
                int xo = (int)((b * c + ch) * h * w);
                for (int i = 0; i < ph; i++)
                {
                    for (int j = 0; j < pw; j++)
                    {
                        double acc = 0;
                        bool first = true;
                        for (int iy = 0; iy < gh; iy++)
                        {
                            double yy = sh + i * bh + (iy + 0.5) * bh / gh;
                            for (int ix = 0; ix < gw; ix++)
                            {
                                double xx = sw + j * bw + (ix + 0.5) * bw / gw;
                                double t1 = 0, t2 = 0, t3 = 0, t4 = 0;
                                if (!(yy < -1 || yy > h || xx < -1 || xx > w))
                                {
                                    double yv = Math.Max(yy, 0), xv = Math.Max(xx, 0);
                                    int yl = (int)yv, xl = (int)xv, yhh, xhh;
                                    if (yl >= h - 1)
                                    {
                                        yhh = yl = h - 1;
                                        yv = yl;
                                    }
                                    else
                                    {
                                        yhh = yl + 1;
                                    }
                                    if (xl >= w - 1)
                                    {
                                        xhh = xl = w - 1;
                                        xv = xl;
                                    }
                                    else
                                    {
                                        xhh = xl + 1;
                                    }
                                    double ly = yv - yl, lx = xv - xl, hy = 1 - ly, hx = 1 - lx;
                                    t1 = hy * hx * x[xo + yl * w + xl];
                                    t2 = hy * lx * x[xo + yl * w + xhh];
                                    t3 = ly * hx * x[xo + yhh * w + xl];
                                    t4 = ly * lx * x[xo + yhh * w + xhh];
                                }
                                if (max)
                                {
                                    double v = Math.Max(Math.Max(t1, t2), Math.Max(t3, t4));
                                    acc = first ? v : Math.Max(acc, v);
                                    first = false;
                                }
                                else
                                {
                                    acc += t1 + t2 + t3 + t4;
                                }
                            }
                        }
                        y[((n * c + ch) * ph + i) * pw + j] = max ? acc : acc / count;
                    }
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(xt.DataType, [nr, c, ph, pw], y));
    }
}
