using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// resize: the kernel's per-axis tap tables (input index, weight) become private tables; one invocation per output
/// element gathers and weights over the tap combinations. Identity axes get no table; an output coordinate marked
/// outside on some axis writes the extrapolation value.
/// </summary>
internal static class ResizeWgsl
{
    public static void Emit(WgslKernel c, ResizeKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        int rank = x.Length;
        var inStrides = RowMajor.Strides(x);
        var w = c.W;
        var taps = new int?[rank];
        for (int a = 0; a < rank; a++)
        {
            var ax = k.Axes[a];
            if (!ax.IsIdentity(x[a]))
            {
                w.Table($"ti{a}", ax.Index.Select(v => (long)v).ToArray());
                w.Table($"tw{a}", ax.Weight.Select(v => (double)v).ToArray());
                taps[a] = ax.Taps;
            }
        }
        c.Map(() =>
        {
            for (int a = 0; a < rank; a++)
            {
                w.Line($"let o{a} = {WgslIndex.Coord("i", y, a)};");
            }
            for (int a = 0; a < rank; a++)
            {
                if (k.Axes[a].HasOutside)
                {
                    w.Line($"if (ti{a}[o{a} * {WgslWriter.I32(taps[a]!.Value)}] < 0i) {{ return {WgslWriter.F32(k.ExtrapolationValue)}; }}");
                }
            }
            var terms = new List<string>();
            var weights = new List<string>();
            int open = 0;
            w.Line("var s = 0f;");
            for (int a = 0; a < rank; a++)
            {
                if (taps[a] is not { } t)
                {
                    terms.Add(inStrides[a] == 1 ? $"o{a}" : $"o{a} * {WgslWriter.I32(inStrides[a])}");
                    continue;
                }
                w.For($"t{a}", t);
                w.Line($"let j{a} = o{a} * {WgslWriter.I32(t)} + t{a};");
                terms.Add(inStrides[a] == 1 ? $"ti{a}[j{a}]" : $"ti{a}[j{a}] * {WgslWriter.I32(inStrides[a])}");
                weights.Add($"tw{a}[j{a}]");
                open++;
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
