using WebDnn.Backends.Js.Kernels;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// resize: separable. The coordinate transform, rounding and interpolation weights are computed at compile time per axis
/// and output position (the same tap tables as the js backend), stored as private tables (input index, weight); the
/// shader only gathers and weights. Axes whose table is the identity get none.
/// </summary>
internal static class ResizeWgsl
{
    public static void Emit(WgslKernel c, ResizeKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        int rank = x.Length;
        var inStrides = WgslIndex.Contiguous(x);
        var w = c.W;
        var taps = new int?[rank];
        for (int a = 0; a < rank; a++)
        {
            var (idx, wt, t) = ResizeJs.Taps(k, x[a], y[a], a);
            bool identity = x[a] == y[a] && Enumerable.Range(0, y[a]).All(o => Enumerable.Range(0, t).All(j => wt[o * t + j] == (j == 0 ? 1 : 0)) && idx[o * t] == o);
            if (!identity)
            {
                w.Table($"ti{a}", idx.Select(v => (long)v).ToArray());
                w.Table($"tw{a}", wt);
                taps[a] = t;
            }
        }
        c.Map(() =>
        {
            for (int a = 0; a < rank; a++)
            {
                w.Line($"let o{a} = {WgslIndex.Coord("i", y, a)};");
            }
            var terms = new List<string>();
            var weights = new List<string>();
            int open = 0;
            w.Line("var s = 0f;");
            for (int a = 0; a < rank; a++)
            {
                string src;
                if (taps[a] is not { } t)
                {
                    src = $"o{a}";
                }
                else if (k.Mode == ResizeMode.Nearest)
                {
                    src = $"ti{a}[o{a}]";
                }
                else
                {
                    w.For($"t{a}", t);
                    w.Line($"let j{a} = o{a} * {WgslWriter.I32(t)} + t{a};");
                    src = $"ti{a}[j{a}]";
                    weights.Add($"tw{a}[j{a}]");
                    open++;
                }
                terms.Add(inStrides[a] == 1 ? src : $"{src} * {WgslWriter.I32(inStrides[a])}");
            }
            string load = c.Load(0, terms.Count == 0 ? "0" : string.Join(" + ", terms));
            w.Line(weights.Count == 0 ? $"s = {load};" : $"s += {string.Join(" * ", weights)} * {load};");
            for (int i = 0; i < open; i++)
            {
                w.Close();
            }
            w.Line("return s;");
        });
    }
}
