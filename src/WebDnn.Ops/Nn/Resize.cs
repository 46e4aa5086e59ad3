using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Resize (opset 10, 11, 13, 18, 19). Inputs: opset 10 (X, scales); from 11 (X, roi, scales, sizes), scales or sizes
/// (one of them non-empty). Per axis with input length L, output length L' (floor(scale·L) from scales; from sizes
/// directly, or with keep_aspect_ratio_policy not_larger / not_smaller one common scale over <c>axes</c> and
/// L' = round_half_up(scale·L)) the output coordinate x maps to x_in by coordinate_transformation_mode
/// (half_pixel (default), half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn,
/// tf_crop_and_resize with roi; outside [0, L-1] the latter yields extrapolation_value). Then
/// nearest: x_in rounded by nearest_mode (round_prefer_floor default, round_prefer_ceil, floor, ceil);
/// linear: weights max(0, 1 - |i - x_in|) over the two neighbours; cubic: Keys' kernel with cubic_coeff_a (-0.75) over
/// four neighbours. Neighbour indices clamp to the edge, or with exclude_outside get weight 0 (weights renormalized).
/// antialias (opset 18, linear/cubic) stretches the kernel by 1/scale when downsampling and normalizes it.
/// Opset 10 (and Upsample) use asymmetric coordinates and floor for nearest. Axes are interpolated one after another
/// (the interpolation is separable), in double.
/// </summary>
public sealed class Resize : OpDef
{
    public override string OpType => "Resize";

    public override int SinceVersion => 10;

    /// <summary>Resolved parameters of one Resize (or Upsample) node.</summary>
    public sealed record Plan(string Mode, string Coord, string NearestMode, double CubicA, bool ExcludeOutside, double Extrapolation,
        bool Antialias, double[] Scales, int[] OutShape, double[]? Roi);

    private static Tensor? NonEmpty(Tensor? t) => t is null || t.Length == 0 ? null : t;

    /// <summary>Builds the plan from attributes and (constant or concrete) roi/scales/sizes; null when they are unknown.</summary>
    public static Plan? MakePlan(NodeContext ctx, int[] inShape, Func<int, Tensor?> input, bool inputsKnown)
    {
        int rank = inShape.Length;
        string mode = ctx.Str("mode", "nearest");
        if (mode is not ("nearest" or "linear" or "cubic"))
        {
            throw ctx.Error($"mode '{mode}' is not nearest, linear or cubic");
        }
        bool v10 = ctx.Opset < 11;
        string coord = v10 ? "asymmetric" : ctx.Str("coordinate_transformation_mode", "half_pixel");
        string nearest = v10 ? "floor" : ctx.Str("nearest_mode", "round_prefer_floor");
        Tensor? scalesT, sizesT, roiT;
        if (v10)
        {
            scalesT = input(1);
            sizesT = null;
            roiT = null;
            if (scalesT is null && inputsKnown)
            {
                throw ctx.Error("scales is required");
            }
        }
        else
        {
            roiT = NonEmpty(input(1));
            scalesT = NonEmpty(input(2));
            sizesT = NonEmpty(input(3));
        }
        if (scalesT is null && sizesT is null)
        {
            if (!inputsKnown)
            {
                return null;
            }
            throw ctx.Error("one of scales and sizes must be given");
        }
        var axes = (ctx.Opset >= 18 ? ctx.Ints("axes") : null)?.Select(a => ctx.Axis(a, rank)).ToArray() ?? Enumerable.Range(0, rank).ToArray();
        var scales = Enumerable.Repeat(1.0, rank).ToArray();
        var outShape = (int[])inShape.Clone();
        if (scalesT is not null)
        {
            var s = scalesT.ToDoubles();
            if (s.Length != axes.Length)
            {
                throw ctx.Error($"scales has {s.Length} values for {axes.Length} axes");
            }
            for (int i = 0; i < axes.Length; i++)
            {
                if (s[i] <= 0)
                {
                    throw ctx.Error($"scale {s[i]} must be positive");
                }
                scales[axes[i]] = s[i];
                double len = Math.Floor(s[i] * inShape[axes[i]]);
                outShape[axes[i]] = len <= int.MaxValue ? (int)len : throw ctx.Error($"scale {s[i]} makes axis {axes[i]} {len} long");
            }
        }
        else
        {
            var sz = sizesT!.ToLongs();
            if (sz.Length != axes.Length)
            {
                throw ctx.Error($"sizes has {sz.Length} values for {axes.Length} axes");
            }
            string policy = ctx.Opset >= 18 ? ctx.Str("keep_aspect_ratio_policy", "stretch") : "stretch";
            for (int i = 0; i < axes.Length; i++)
            {
                outShape[axes[i]] = sz[i] is >= 0 and <= int.MaxValue ? (int)sz[i] : throw ctx.Error($"size {sz[i]} of axis {axes[i]} is out of range");
                scales[axes[i]] = inShape[axes[i]] == 0 ? 1 : (double)sz[i] / inShape[axes[i]];
            }
            if (policy != "stretch")
            {
                var sel = axes.Select(a => scales[a]);
                double common = policy switch
                {
                    "not_larger" => sel.Min(),
                    "not_smaller" => sel.Max(),
                    _ => throw ctx.Error($"keep_aspect_ratio_policy '{policy}' is not stretch, not_larger or not_smaller"),
                };
                foreach (var a in axes)
                {
                    scales[a] = common;
                    outShape[a] = (int)(common * inShape[a] + 0.5);
                }
            }
        }
        for (int a = 0; a < rank; a++)
        {
            if (inShape[a] == 0 && outShape[a] > 0)
            {
                throw ctx.Error($"axis {a} is empty and cannot be resized to {outShape[a]}");
            }
        }
        double[]? roi = null;
        if (coord == "tf_crop_and_resize")
        {
            roi = new double[2 * rank];
            for (int i = 0; i < rank; i++)
            {
                roi[rank + i] = 1;
            }
            if (roiT is not null)
            {
                var rv = roiT.ToDoubles();
                if (rv.Length != 2 * axes.Length)
                {
                    throw ctx.Error($"roi has {rv.Length} values, expected {2 * axes.Length}");
                }
                for (int i = 0; i < axes.Length; i++)
                {
                    roi[axes[i]] = rv[i];
                    roi[rank + axes[i]] = rv[axes.Length + i];
                }
            }
        }
        return new Plan(mode, coord, nearest, ctx.Float("cubic_coeff_a", -0.75f), ctx.Int("exclude_outside", 0) != 0,
            ctx.Float("extrapolation_value", 0f), ctx.Opset >= 18 && ctx.Int("antialias", 0) != 0, scales, outShape, roi);
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        if (x.IsStatic)
        {
            var plan = MakePlan(ctx, x.StaticShape(), ctx.ConstInput, false);
            if (plan is not null)
            {
                ctx.SetOutput(0, x.DataType, Shapes.ToDims(plan.OutShape));
                return;
            }
        }
        ctx.SetOutput(0, x.DataType, x.Shape.Select(_ => Dim.Unknown).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var plan = MakePlan(ctx, x.Shape, ctx.OptionalInput, true)!;
        ctx.SetOutput(0, Run(ctx, x, plan));
    }

    /// <summary>Separable interpolation of <paramref name="x"/> by <paramref name="plan"/>.</summary>
    public static Tensor Run(NodeContext ctx, Tensor x, Plan plan)
    {
        CheckAntialias(ctx, plan);
        var shape = (int[])x.Shape.Clone();
        var data = x.ToDoubles();
        for (int d = 0; d < shape.Length; d++)
        {
            int lin = shape[d], lout = plan.OutShape[d];
            if (lin == lout && plan.Scales[d] == 1.0 && plan.Roi is null)
            {
                continue;
            }
            var (count, idx, w) = AxisTaps(plan, d, lin, lout);
            int outer = shape[..d].Aggregate(1, (a, b) => a * b);
            int inner = shape[(d + 1)..].Aggregate(1, (a, b) => a * b);
            var y = new double[(long)outer * lout * inner];
            for (int o = 0; o < outer; o++)
            {
                for (int j = 0; j < lout; j++)
                {
                    int yb = (o * lout + j) * inner;
                    if (idx[j * count] == ResizeAxis.Outside)
                    {
                        Array.Fill(y, plan.Extrapolation, yb, inner);
                        continue;
                    }
                    for (int t = j * count; t < (j + 1) * count; t++)
                    {
                        if (w[t] == 0)
                        {
                            continue;
                        }
                        int xb = (o * lin + idx[t]) * inner;
                        for (int k = 0; k < inner; k++)
                        {
                            y[yb + k] += w[t] * data[xb + k];
                        }
                    }
                }
            }
            data = y;
            shape[d] = lout;
        }
        return Tensor.FromDoubles(x.DataType, shape, data);
    }

    /// <summary>The input coordinate of output index <paramref name="x"/> on axis <paramref name="d"/>; NaN means "outside" (tf_crop_and_resize).</summary>
    public static double SourceCoord(Plan plan, int d, int lin, int lout, double x)
    {
        double s = plan.Scales[d];
        double outWidth = s * lin;
        switch (plan.Coord)
        {
            case "align_corners":
                return outWidth == 1 ? 0 : x * (lin - 1) / (outWidth - 1);
            case "asymmetric":
                return x / s;
            case "tf_half_pixel_for_nn":
                return (x + 0.5) / s;
            case "pytorch_half_pixel":
                return outWidth == 1 ? -0.5 : (x + 0.5) / s - 0.5;
            case "half_pixel_symmetric":
                double adj = lout / outWidth;
                return lin / 2.0 * (1 - adj) + (x + 0.5) / s - 0.5;
            case "tf_crop_and_resize":
                int r = plan.Scales.Length;
                double start = plan.Roi![d], end = plan.Roi[r + d];
                double xo = outWidth == 1 ? (end - start) * (lin - 1) / 2 : x * (end - start) * (lin - 1) / (outWidth - 1);
                xo += start * (lin - 1);
                return xo < 0 || xo > lin - 1 ? double.NaN : xo;
            case "half_pixel":
                return (x + 0.5) / s - 0.5;
            default:
                throw new InvalidModelException($"coordinate_transformation_mode '{plan.Coord}' is not supported");
        }
    }

    /// <summary>
    /// The interpolation along axis <paramref name="d"/> as a tap table: output coordinate j reads the
    /// <c>Count</c> input indices <c>Index[j·Count + t]</c> with weights <c>Weight[j·Count + t]</c>; every index of j is
    /// <see cref="ResizeAxis.Outside"/> when j maps outside the source (tf_crop_and_resize). An axis that is not
    /// resized (same length, scale 1, no roi) is the identity. This is the one place the coordinate transformation,
    /// rounding and weights are computed: the evaluator runs these tables, and the lowering ships them in the kernel.
    /// </summary>
    public static (int Count, int[] Index, double[] Weight) AxisTaps(Plan plan, int d, int lin, int lout)
    {
        if (lin == lout && plan.Scales[d] == 1.0 && plan.Roi is null)
        {
            return (1, Enumerable.Range(0, lout).ToArray(), Enumerable.Repeat(1.0, lout).ToArray());
        }
        bool nearest = plan.Mode == "nearest", cubic = plan.Mode == "cubic";
        double scale = plan.Scales[d];
        double support = cubic ? 2 : 1;
        double ks = plan.Antialias ? Math.Min(scale, 1.0) : 1.0;
        // Taps iStart..iEnd-1 around the base cell; antialias stretches the kernel by 1/scale when downsampling.
        int iStart = (int)Math.Floor(-support / ks) + 1;
        int n = nearest ? 1 : 2 - 2 * iStart;
        var index = new int[lout * n];
        var weight = new double[lout * n];
        for (int j = 0; j < lout; j++)
        {
            var idx = index.AsSpan(j * n, n);
            var w = weight.AsSpan(j * n, n);
            double xo = SourceCoord(plan, d, lin, lout, j);
            if (double.IsNaN(xo))
            {
                idx.Fill(ResizeAxis.Outside);
                continue;
            }
            if (nearest)
            {
                double fl = Math.Floor(xo), frac = xo - fl;
                bool integer = frac == 0;
                int pick = plan.NearestMode switch
                {
                    _ when integer => (int)fl,
                    "round_prefer_ceil" => frac < 0.5 ? (int)fl : (int)fl + 1,
                    "floor" => (int)fl,
                    "ceil" => (int)fl + 1,
                    _ => frac <= 0.5 ? (int)fl : (int)fl + 1,
                };
                idx[0] = Math.Clamp(pick, 0, lin - 1);
                w[0] = 1;
                continue;
            }
            // base/ratio with ratio in (0, 1] (an integer coordinate is the right neighbour of its left cell).
            int bse = (int)Math.Floor(xo);
            double ratio = xo - bse;
            if (ratio == 0)
            {
                bse--;
                ratio = 1;
            }
            double sum = 0;
            for (int t = 0; t < n; t++)
            {
                int i = iStart + t;
                double arg = Math.Abs((i - ratio) * ks);
                w[t] = cubic ? Cubic(arg, plan.CubicA) : Math.Clamp(1 - arg, 0, 1);
                sum += w[t];
                int src = bse + i;
                if (plan.ExcludeOutside && (src < 0 || src >= lin))
                {
                    w[t] = 0;
                }
                idx[t] = Math.Clamp(src, 0, lin - 1);
            }
            if (plan.Antialias)
            {
                for (int t = 0; t < n; t++)
                {
                    w[t] /= sum;
                }
            }
            if (plan.ExcludeOutside)
            {
                double s2 = 0;
                foreach (var v in w)
                {
                    s2 += v;
                }
                for (int t = 0; t < n; t++)
                {
                    w[t] = s2 == 0 ? 0 : w[t] / s2;
                }
            }
        }
        return (n, index, weight);
    }

    private static double Cubic(double x, double a)
    {
        if (x <= 1)
        {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        return x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
    }

    public override bool Lower(LowerContext ctx)
    {
        var plan = MakePlan(ctx, ctx.InputShape(0), ctx.ConstInput, false);
        if (plan is null || (ctx.Opset >= 11 && ctx.HasInput(2) && ctx.ConstInput(2) is null && ctx.ConstInput(3) is null))
        {
            ctx.Unsupported("Resize needs constant scales or sizes to compile");
            return false;
        }
        return LowerPlan(ctx, plan);
    }

    /// <summary>Largest tap table of one lowered axis (output length × taps), so a hostile scale cannot blow up a package.</summary>
    public const int MaxTapTable = 1 << 24;

    /// <summary>Emits a <see cref="ResizeKernel"/> carrying <see cref="AxisTaps"/>' tables for a resolved plan (shared with Upsample).</summary>
    public static bool LowerPlan(LowerContext ctx, Plan plan)
    {
        CheckAntialias(ctx, plan);
        var x = ctx.InputShape(0);
        var axes = new ResizeAxis[x.Length];
        for (int d = 0; d < x.Length; d++)
        {
            var (count, index, weight) = AxisTaps(plan, d, x[d], plan.OutShape[d]);
            if (index.Length > MaxTapTable)
            {
                ctx.Unsupported($"Resize axis {d} needs a tap table of {index.Length} entries (at most {MaxTapTable})");
                return false;
            }
            axes[d] = new ResizeAxis(count, index, Array.ConvertAll(weight, v => (float)v));
        }
        ctx.Emit(new ResizeKernel(axes, (float)plan.Extrapolation) { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }

    private static void CheckAntialias(NodeContext ctx, Plan plan)
    {
        if (plan.Antialias && plan.Mode == "nearest")
        {
            throw ctx.Error("antialias is not defined for mode nearest");
        }
    }
}
