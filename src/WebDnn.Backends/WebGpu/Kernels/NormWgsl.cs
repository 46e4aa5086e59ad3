using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>norm: per row of N, two-pass mean and (biased) variance, then (x − mean) / sqrt(var + eps) · scale + bias.</summary>
internal static class NormWgsl
{
    public static void Emit(WgslKernel c, NormKernel k)
    {
        var w = c.W;
        bool wide = k.N > WgslRows.ShortRow;
        if (wide)
        {
            WgslRows.Combine(w, "sum");
        }
        w.Const("RN", "i32", WgslWriter.I32(k.N));
        string start = wide ? "i32(tid)" : "0";
        string stride = wide ? WgslWriter.I32(WgslKernel.Threads) : "1";
        string scaleIdx = k.PerChannel ? $"row % {WgslWriter.I32(k.Channels)}" : "n";
        WgslRows.Emit(c, k.Outer, wide, () =>
        {
            w.Line("let xb = row * RN;");
            w.Line("var s = 0f;");
            w.Open($"for (var n: i32 = {start}; n < RN; n += {stride})");
            w.Line($"s += {c.Load(0, "xb + n")};");
            w.Close();
            if (wide)
            {
                w.Line("s = wg_sum(tid, s);");
            }
            w.Line("let mean = s / f32(RN);");
            w.Line("var q = 0f;");
            w.Open($"for (var n: i32 = {start}; n < RN; n += {stride})");
            w.Line($"let d = {c.Load(0, "xb + n")} - mean;");
            w.Line("q = fma(d, d, q);");
            w.Close();
            if (wide)
            {
                w.Line("q = wg_sum(tid, q);");
            }
            w.Line($"let inv = inverseSqrt(q / f32(RN) + {WgslWriter.F32(k.Epsilon)});");
            w.Open($"for (var n: i32 = {start}; n < RN; n += {stride})");
            string v = $"({c.Load(0, "xb + n")} - mean) * inv";
            if (k.HasScale)
            {
                v = $"{v} * {c.Load(1, scaleIdx)}";
            }
            if (k.HasBias)
            {
                v = $"{v} + {c.Load(k.HasScale ? 2 : 1, scaleIdx)}";
            }
            w.Line($"{c.Out(0)}[xb + n] = {v};");
            w.Close();
        });
    }
}
