using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// pool: one invocation per output element over its window (output size from the output buffer, so ceil_mode is
/// already in it); taps outside the input are skipped. Average divides by the in-bounds count, or with CountIncludePad
/// by the window clipped to the padded extent. Max propagates NaN.
/// </summary>
internal static class PoolWgsl
{
    private static string I(long v) => WgslWriter.I32(v);

    public static void Emit(WgslKernel c, PoolKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        var s = Spatial3.Of(x, y, k.KernelShape, k.Strides, k.Pads, k.Dilations);
        var w = c.W;
        if (k.Kind == PoolKind.Max)
        {
            w.Helper("bits", WgslExpr.Bits);
        }
        c.Map(() =>
        {
            w.Line($"let ow = i % {I(s.Out[2])};");
            w.Line($"let oh = (i / {I(s.Out[2])}) % {I(s.Out[1])};");
            w.Line($"let od = (i / {I(s.Out[2] * s.Out[1])}) % {I(s.Out[0])};");
            w.Line($"let pl = i / {I(s.OutSize)};");
            bool isInt = k.Inputs[0].DataType == Core.DataType.Int32;
            w.Line(k.Kind == PoolKind.Max ? (isInt ? $"var r = {WgslWriter.I32(int.MinValue)};" : "var r = -bitcast<f32>(INF_BITS);") : "var r = 0f;");
            w.Line("var cnt = 0i;");
            w.Line("var padded = 1i;");
            string[] o = ["od", "oh", "ow"], t = ["kd", "kh", "kw"], i = ["id", "ih", "iw"];
            if (k.Kind == PoolKind.Average && k.CountIncludePad)
            {
                for (int a = 0; a < 3; a++)
                {
                    // taps inside [-padBegin, in + padEnd): the window clipped to the padded input
                    w.Line($"var pc{a} = 0i;");
                    w.For(t[a], s.Kernel[a]);
                    w.Line($"let p = {o[a]} * {I(s.Strides[a])} - {I(s.PadsBegin[a])} + {t[a]} * {I(s.Dilations[a])};");
                    w.Line($"if (p >= {I(-s.PadsBegin[a])} && p < {I(s.In[a] + s.PadsEnd[a])}) {{ pc{a}++; }}");
                    w.Close();
                    w.Line($"padded = padded * pc{a};");
                }
            }
            for (int a = 0; a < 3; a++)
            {
                w.For(t[a], s.Kernel[a]);
                w.Line($"let {i[a]} = {o[a]} * {I(s.Strides[a])} - {I(s.PadsBegin[a])} + {t[a]} * {I(s.Dilations[a])};");
                w.Line($"if ({i[a]} < 0i || {i[a]} >= {I(s.In[a])}) {{ continue; }}");
            }
            w.Line($"let v = {c.Load(0, $"pl * {I(s.InSize)} + (id * {I(s.In[1])} + ih) * {I(s.In[2])} + iw")};");
            w.Line(k.Kind switch
            {
                PoolKind.Max => isInt ? "r = max(r, v);" : "if (v > r || is_nan(v)) { r = v; }",
                PoolKind.Average => "r += v; cnt++;",
                _ => k.P == 2 ? "r += v * v;" : k.P == 1 ? "r += abs(v);" : $"r += pow(abs(v), {WgslWriter.F32(k.P)});",
            });
            for (int a = 0; a < 3; a++)
            {
                w.Close();
            }
            w.Line(k.Kind switch
            {
                PoolKind.Max => "return r;",
                PoolKind.Average => k.CountIncludePad ? "return r / f32(padded);" : "return r / f32(cnt);",
                _ => k.P == 2 ? "return sqrt(r);" : k.P == 1 ? "return r;" : $"return pow(r, {WgslWriter.F32(1.0 / k.P)});",
            });
        });
    }
}
