using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// resize: the kernel's tap tables become Int32Array/Float32Array constants; the loops only gather and weight. Identity
/// axes get no table; when every table has one tap of weight 1 (nearest) the kernel is a pure gather; output
/// coordinates marked outside write the extrapolation value.
/// </summary>
internal static class ResizeJs
{
    public static void Emit(JsKernelContext c, ResizeKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        int rank = x.Length;
        var inStrides = RowMajor.Strides(x);
        var code = c.Code;
        var taps = new (string Idx, string W, int T)?[rank];
        for (int a = 0; a < rank; a++)
        {
            var ax = k.Axes[a];
            if (!ax.IsIdentity(x[a]))
            {
                taps[a] = (c.Table(ax.Index.Select(v => (long)v)), c.Table("Float32Array", ax.Weight.Select(v => (double)v)), ax.Taps);
            }
        }
        bool gather = k.Axes.All(ax => ax.Taps == 1 && ax.Weight.All(w => w == 1));
        code.Line("let yi = 0;");
        for (int a = 0; a < rank; a++)
        {
            code.For($"o{a}", y[a]);
        }
        var outside = Enumerable.Range(0, rank).Where(a => k.Axes[a].HasOutside).Select(a => $"{taps[a]!.Value.Idx}[o{a} * {taps[a]!.Value.T}] < 0").ToList();
        if (outside.Count > 0)
        {
            code.Open($"if ({string.Join(" || ", outside)})");
            code.Line($"y0[yi++] = {JsCode.Num(k.ExtrapolationValue)};");
            code.Line("continue;");
            code.Close();
        }
        var src = new List<string>();
        if (gather)
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
}
