using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// conv: direct loops, no im2col. For each output row (n, m, od, oh) a double accumulator row is filled by
/// axpy-style inner loops over the output columns, one per (c, kd, kh, kw) tap; the valid column range of each
/// kw is precomputed so the inner loop has no bounds checks.
/// </summary>
internal static class ConvJs
{
    public static void Emit(JsKernelContext c, ConvKernel k)
    {
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        var s = Spatial3.Of(x, y, w[2..], k.Strides, k.Pads, k.Dilations);
        long batch = x[0], cin = x[1], cg = w[1], m = w[0], mg = m / k.Group;
        long kk = s.KernelSize, inHw = s.In[1] * s.In[2], ow = s.Out[2];
        var cols = s.ValidOut(2);
        string lo = c.Table(cols.Select(r => r.Lo)), hi = c.Table(cols.Select(r => r.Hi));
        string acc = c.Scratch("Float64Array", ow);
        var epi = new JsEpilogue(k, k.Epilogue, k.EpilogueFirstInput);
        var code = c.Code;
        code.For("n", batch);
        code.For("m", m);
        code.Line($"const xg = n * {cin * s.InSize} + {(k.Group == 1 ? "0" : $"Math.floor(m / {mg}) * {cg * s.InSize}")};");
        code.Line($"const wm = m * {cg * kk};");
        code.For("od", s.Out[0]);
        code.For("oh", s.Out[1]);
        code.Line($"{acc}.fill(0);");
        code.For("c", cg);
        code.Line($"const xc = xg + c * {s.InSize}, wc = wm + c * {kk};");
        code.For("kd", s.Kernel[0]);
        code.Line($"const id = od * {s.Strides[0]} - {s.PadsBegin[0]} + kd * {s.Dilations[0]};");
        code.Line($"if (id < 0 || id >= {s.In[0]}) continue;");
        code.For("kh", s.Kernel[1]);
        code.Line($"const ih = oh * {s.Strides[1]} - {s.PadsBegin[1]} + kh * {s.Dilations[1]};");
        code.Line($"if (ih < 0 || ih >= {s.In[1]}) continue;");
        code.Line($"const xr = xc + id * {inHw} + ih * {s.In[2]} - {s.PadsBegin[2]}, wr = wc + (kd * {s.Kernel[1]} + kh) * {s.Kernel[2]};");
        code.For("kw", s.Kernel[2]);
        code.Line($"const wv = x1[wr + kw], end = {hi}[kw];");
        code.Line($"let ow = {lo}[kw], xi = xr + kw * {s.Dilations[2]} + ow * {s.Strides[2]};");
        code.Line($"for (; ow < end; ow++, xi += {s.Strides[2]}) {acc}[ow] += wv * x0[xi];");
        code.Close();
        code.Close();
        code.Close();
        code.Close();
        code.Line($"const ob = ((n * {m} + m) * {s.Out[0]} + od) * {s.Out[1] * ow} + oh * {ow};");
        if (k.HasBias)
        {
            code.Line("const bias = x2[m];");
        }
        code.For("ow", ow);
        var coords = new List<string> { "n", "m" };
        coords.AddRange(new[] { "od", "oh", "ow" }.Skip(3 - (y.Length - 2)));
        epi.Store(code, k.HasBias ? $"{acc}[ow] + bias" : $"{acc}[ow]", "ob + ow", coords);
        code.Close();
        code.Close();
        code.Close();
        code.Close();
        code.Close();
    }
}
