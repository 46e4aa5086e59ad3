using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// resize: separable. The coordinate transform, rounding and interpolation weights are computed here, per axis and
/// output position, into tap tables (input index, weight); the generated loops only gather and weight. Axes whose
/// table is the identity get no table.
/// </summary>
internal static class ResizeJs
{
    public static void Emit(JsKernelContext c, ResizeKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        int rank = x.Length;
        var inStrides = StridedLoop.Contiguous(x);
        var code = c.Code;
        var taps = new (string Idx, string W, int T)?[rank];
        for (int a = 0; a < rank; a++)
        {
            var (idx, w, t) = Taps(k, x[a], y[a], a);
            bool identity = x[a] == y[a] && Enumerable.Range(0, y[a]).All(o => Enumerable.Range(0, t).All(j => w[o * t + j] == (j == 0 ? 1 : 0)) && idx[o * t] == o);
            if (!identity)
            {
                taps[a] = (c.Table(idx.Select(v => (long)v)), c.Table("Float64Array", w), t);
            }
        }
        bool nearest = k.Mode == ResizeMode.Nearest;
        code.Line("let yi = 0;");
        var src = new List<string>();
        for (int a = 0; a < rank; a++)
        {
            code.For($"o{a}", y[a]);
        }
        if (nearest)
        {
            for (int a = 0; a < rank; a++)
            {
                src.Add(taps[a] is { } tp ? $"{tp.Idx}[o{a}]" : $"o{a}");
            }
            code.Line($"y0[yi++] = x0[{JsCode.Dot(src, inStrides)}];");
        }
        else
        {
            code.Line("let s = 0;");
            int open = 0;
            var weights = new List<string>();
            for (int a = 0; a < rank; a++)
            {
                if (taps[a] is { } tp)
                {
                    code.For($"t{a}", tp.T);
                    code.Line($"const j{a} = o{a} * {tp.T} + t{a};");
                    src.Add($"{tp.Idx}[j{a}]");
                    weights.Add($"{tp.W}[j{a}]");
                    open++;
                }
                else
                {
                    src.Add($"o{a}");
                }
            }
            string wexpr = weights.Count == 0 ? "" : string.Join(" * ", weights) + " * ";
            code.Line($"s += {wexpr}x0[{JsCode.Dot(src, inStrides)}];");
            for (int i = 0; i < open; i++)
            {
                code.Close();
            }
            code.Line("y0[yi++] = s;");
        }
        for (int a = 0; a < rank; a++)
        {
            code.Close();
        }
    }

    /// <summary>ONNX Resize along one axis: for each output position, T input indices and weights (T = 1, 2 or 4).</summary>
    internal static (int[] Idx, double[] W, int T) Taps(ResizeKernel k, int inLen, int outLen, int axis)
    {
        double scale = k.Scales[axis];
        int t = k.Mode switch { ResizeMode.Nearest => 1, ResizeMode.Linear => 2, _ => 4 };
        var idx = new int[outLen * t];
        var w = new double[outLen * t];
        for (int o = 0; o < outLen; o++)
        {
            double xo = Original(k.CoordinateTransform, o, scale, inLen, outLen);
            if (k.Mode == ResizeMode.Nearest)
            {
                idx[o] = Math.Clamp((int)Nearest(k.NearestMode, xo, scale), 0, inLen - 1);
                w[o] = 1;
                continue;
            }
            if (k.Mode == ResizeMode.Linear)
            {
                xo = Math.Clamp(xo, 0, inLen - 1);
            }
            double fl = Math.Floor(xo), r = xo - fl;
            double[] coeff = k.Mode == ResizeMode.Linear ? [1 - r, r] : Cubic(r, k.CubicCoeffA);
            int first = (int)fl - (t / 2 - 1);
            double sum = 0;
            for (int j = 0; j < t; j++)
            {
                int p = first + j;
                if (k.ExcludeOutside && (p < 0 || p >= inLen))
                {
                    coeff[j] = 0;
                }
                sum += coeff[j];
            }
            for (int j = 0; j < t; j++)
            {
                idx[o * t + j] = Math.Clamp(first + j, 0, inLen - 1);
                w[o * t + j] = k.ExcludeOutside && sum != 0 ? coeff[j] / sum : coeff[j];
            }
        }
        return (idx, w, t);
    }

    private static double Original(string mode, int o, double scale, int inLen, int outLen) => mode switch
    {
        "half_pixel" => (o + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => outLen > 1 ? (o + 0.5) / scale - 0.5 : 0,
        // ONNX uses the unrounded resized length (scale * input length) here, not the integer output size.
        "align_corners" => scale * inLen == 1 ? 0 : o * (double)(inLen - 1) / (scale * inLen - 1),
        "asymmetric" => o / scale,
        "tf_half_pixel_for_nn" => (o + 0.5) / scale,
        "half_pixel_symmetric" => inLen / 2.0 * (1 - outLen / (scale * inLen)) + (o + 0.5) / scale - 0.5,
        "tf_crop_and_resize" => outLen > 1 ? o * (double)(inLen - 1) / (outLen - 1) : 0.5 * (inLen - 1),
        _ => throw new NotSupportedException($"js backend: resize coordinate transform '{mode}'"),
    };

    private static double Nearest(string mode, double x, double scale) => mode switch
    {
        "round_prefer_floor" => x - Math.Floor(x) == 0.5 ? Math.Floor(x) : Math.Round(x, MidpointRounding.AwayFromZero),
        "round_prefer_ceil" => x - Math.Floor(x) == 0.5 ? Math.Ceiling(x) : Math.Round(x, MidpointRounding.AwayFromZero),
        "floor" => Math.Floor(x),
        // ONNX: ceil on an upsampled grid; downsampling uses it as given.
        "ceil" => Math.Ceiling(x),
        _ => throw new NotSupportedException($"js backend: resize nearest mode '{mode}'"),
    };

    private static double[] Cubic(double r, double a)
    {
        double Far(double d) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
        double Near(double d) => ((a + 2) * d - (a + 3)) * d * d + 1;
        return [Far(r + 1), Near(r), Near(1 - r), Far(2 - r)];
    }
}
