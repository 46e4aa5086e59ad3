using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// pool: one window loop per output element, taps outside the input skipped. Average divides by the in-bounds count,
/// or with CountIncludePad by the window clipped to the padded extent (per-axis counts precomputed).
/// </summary>
internal static class PoolJs
{
    public static void Emit(JsKernelContext c, PoolKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        var s = Spatial3.Of(x, y, k.KernelShape, k.Strides, k.Pads, k.Dilations);
        long planes = (long)x[0] * x[1];
        var code = c.Code;
        string[] padded = new string[3];
        if (k.Kind == PoolKind.Average && k.CountIncludePad)
        {
            for (int a = 0; a < 3; a++)
            {
                int axis = a;
                var counts = Enumerable.Range(0, (int)s.Out[a]).Select(o => (long)Enumerable.Range(0, (int)s.Kernel[axis]).Count(t =>
                {
                    long p = o * s.Strides[axis] - s.PadsBegin[axis] + t * s.Dilations[axis];
                    return p >= -s.PadsBegin[axis] && p < s.In[axis] + s.PadsEnd[axis];
                }));
                padded[a] = c.Table(counts);
            }
        }
        code.For("pl", planes);
        code.Line($"const xb = pl * {s.InSize};");
        code.Line($"let yi = pl * {s.OutSize};");
        code.For("od", s.Out[0]);
        code.For("oh", s.Out[1]);
        code.For("ow", s.Out[2]);
        code.Line(k.Kind == PoolKind.Max ? "let r = -Infinity;" : "let r = 0;");
        if (k.Kind == PoolKind.Average && !k.CountIncludePad)
        {
            code.Line("let cnt = 0;");
        }
        string[] o = ["od", "oh", "ow"], t = ["kd", "kh", "kw"], i = ["id", "ih", "iw"];
        for (int a = 0; a < 3; a++)
        {
            code.For(t[a], s.Kernel[a]);
            code.Line($"const {i[a]} = {o[a]} * {s.Strides[a]} - {s.PadsBegin[a]} + {t[a]} * {s.Dilations[a]};");
            code.Line($"if ({i[a]} < 0 || {i[a]} >= {s.In[a]}) continue;");
        }
        code.Line($"const v = x0[xb + (id * {s.In[1]} + ih) * {s.In[2]} + iw];");
        code.Line(k.Kind switch
        {
            PoolKind.Max => "if (v > r || v !== v) r = v;",
            PoolKind.Average => k.CountIncludePad ? "r += v;" : "r += v; cnt++;",
            _ => k.P == 2 ? "r += v * v;" : k.P == 1 ? "r += Math.abs(v);" : $"r += Math.pow(Math.abs(v), {k.P});",
        });
        code.Close();
        code.Close();
        code.Close();
        code.Line(k.Kind switch
        {
            PoolKind.Max => "y0[yi++] = r;",
            PoolKind.Average => k.CountIncludePad ? $"y0[yi++] = r / ({padded[0]}[od] * {padded[1]}[oh] * {padded[2]}[ow]);" : "y0[yi++] = r / cnt;",
            _ => k.P == 2 ? "y0[yi++] = Math.sqrt(r);" : k.P == 1 ? "y0[yi++] = r;" : $"y0[yi++] = Math.pow(r, {JsCode.Num(1.0 / k.P)});",
        });
        code.Close();
        code.Close();
        code.Close();
        code.Close();
    }
}
