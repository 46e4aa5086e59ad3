using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>softmax over the middle axis of [Outer, N, Inner]: row maximum, Σ exp(x − max), then scale (or subtract the log for LogSoftmax).</summary>
internal static class SoftmaxWgsl
{
    public static void Emit(WgslKernel c, SoftmaxKernel k)
    {
        var w = c.W;
        bool wide = k.N > WgslRows.ShortRow;
        if (wide)
        {
            WgslRows.Combine(w, "max");
            WgslRows.Combine(w, "sum");
        }
        w.Helper("bits", WgslExpr.Bits);
        w.Const("RN", "i32", WgslWriter.I32(k.N));
        w.Const("INNER", "i32", WgslWriter.I32(k.Inner));
        string start = wide ? "i32(tid)" : "0";
        string stride = wide ? WgslWriter.I32(WgslKernel.Threads) : "1";
        string x = "xb + n * INNER";
        WgslRows.Emit(c, (long)k.Outer * k.Inner, wide, () =>
        {
            w.Line("let xb = (row / INNER) * RN * INNER + row % INNER;");
            w.Line("var mx = -bitcast<f32>(INF_BITS);");
            w.Open($"for (var n: i32 = {start}; n < RN; n += {stride})");
            w.Line($"let v = {c.Load(0, x)};");
            w.Line("mx = select(max(mx, v), mx + v, is_nan(mx) || is_nan(v));");
            w.Close();
            if (wide)
            {
                w.Line("mx = wg_max(tid, mx);");
            }
            w.Line("var s = 0f;");
            w.Open($"for (var n: i32 = {start}; n < RN; n += {stride})");
            w.Line($"s += exp({c.Load(0, x)} - mx);");
            w.Close();
            if (wide)
            {
                w.Line("s = wg_sum(tid, s);");
            }
            w.Line(k.Log ? "let ls = log(s);" : "let inv = 1f / s;");
            w.Open($"for (var n: i32 = {start}; n < RN; n += {stride})");
            w.Line(k.Log
                ? $"{c.OutAt(0, x)} = {c.Load(0, x)} - mx - ls;"
                : $"{c.OutAt(0, x)} = exp({c.Load(0, x)} - mx) * inv;");
            w.Close();
        });
    }
}
