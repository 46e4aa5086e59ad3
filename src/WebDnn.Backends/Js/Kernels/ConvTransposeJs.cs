using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// conv_transpose: scatter form. Per batch item, every input element times every tap is added into a double
/// accumulator of the whole output (o = i*s - p + t*d); the valid input column range per kw is precomputed.
/// </summary>
internal static class ConvTransposeJs
{
    public static void Emit(JsKernelContext c, ConvTransposeKernel k)
    {
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        // Swap roles to reuse Spatial3.ValidOut: "which input columns land inside the output" for each kw.
        var s = Spatial3.Of(x, y, w[2..], k.Strides, k.Pads, k.Dilations);
        var scatter = s with { In = s.Out, Out = s.In };
        long batch = x[0], cin = x[1], mg = w[1], m = y[1], cg = cin / k.Group;
        long kk = s.KernelSize, outSize = s.OutSize, inSize = s.InSize, iw = s.In[2], owLen = s.Out[2];
        var cols = scatter.ValidOut(2);
        string lo = c.Table(cols.Select(r => r.Lo)), hi = c.Table(cols.Select(r => r.Hi));
        string acc = c.Scratch("Float64Array", m * outSize);
        var epi = new JsEpilogue(k, k.Epilogue, k.EpilogueFirstInput);
        var code = c.Code;
        code.For("n", batch);
        code.Line($"{acc}.fill(0);");
        code.For("c", cin);
        code.Line($"const xc = (n * {cin} + c) * {inSize};");
        code.For("mm", mg);
        code.Line($"const ac = ({(k.Group == 1 ? "0" : $"Math.floor(c / {cg}) * {mg}")} + mm) * {outSize}, wc = (c * {mg} + mm) * {kk};");
        code.For("kd", s.Kernel[0]);
        code.For("id", s.In[0]);
        code.Line($"const od = id * {s.Strides[0]} - {s.PadsBegin[0]} + kd * {s.Dilations[0]};");
        code.Line($"if (od < 0 || od >= {s.Out[0]}) continue;");
        code.For("kh", s.Kernel[1]);
        code.For("ih", s.In[1]);
        code.Line($"const oh = ih * {s.Strides[1]} - {s.PadsBegin[1]} + kh * {s.Dilations[1]};");
        code.Line($"if (oh < 0 || oh >= {s.Out[1]}) continue;");
        code.Line($"const xr = xc + (id * {s.In[1]} + ih) * {iw}, ar = ac + (od * {s.Out[1]} + oh) * {owLen} - {s.PadsBegin[2]}, wr = wc + (kd * {s.Kernel[1]} + kh) * {s.Kernel[2]};");
        code.For("kw", s.Kernel[2]);
        code.Line($"const wv = x1[wr + kw], end = {hi}[kw];");
        code.Line($"let i = {lo}[kw], a = ar + kw * {s.Dilations[2]} + i * {s.Strides[2]};");
        code.Line($"for (; i < end; i++, a += {s.Strides[2]}) {acc}[a] += wv * x0[xr + i];");
        for (int i = 0; i < 7; i++)
        {
            code.Close();
        }
        code.For("m", m);
        code.Line($"const ab = m * {outSize}, ob = (n * {m} + m) * {outSize};");
        if (k.HasBias)
        {
            code.Line("const bias = x2[m];");
        }
        code.For("p", outSize);
        var coords = new List<string> { "n", "m" };
        int spatial = y.Length - 2;
        // Spatial coordinates only when an epilogue operand is indexed by them (computed from the flat index p).
        if (k.Epilogue is not null)
        {
            long rest = 1;
            var sc = new List<string>();
            for (int i = spatial - 1; i >= 0; i--)
            {
                code.Line($"const q{i} = Math.floor(p / {rest}) % {y[2 + i]};");
                sc.Insert(0, $"q{i}");
                rest *= y[2 + i];
            }
            coords.AddRange(sc);
        }
        else
        {
            coords.AddRange(Enumerable.Repeat("0", spatial));
        }
        epi.Store(code, k.HasBias ? $"{acc}[ab + p] + bias" : $"{acc}[ab + p]", "ob + p", coords);
        code.Close();
        code.Close();
        code.Close();
    }
}
