using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// conv: direct loops, no im2col. Output channels go in blocks of <see cref="Block"/>: for each output row
/// (n, m-block, od, oh), double accumulator rows are filled by axpy-style inner loops over the output columns, one
/// per (c, kd, kh, kw) tap, each input load feeding every channel of the block. The valid column range of each kw
/// is precomputed, so the inner loop has no bounds checks.
/// </summary>
internal static class ConvJs
{
    private const int Block = 4;

    public static void Emit(JsKernelContext c, ConvKernel k)
    {
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        var s = Spatial3.Of(x, y, w[2..], k.Strides, k.Pads, k.Dilations);
        long m = w[0], mg = m / k.Group;
        long ow = s.Out[2];
        var cols = s.ValidOut(2);
        string lo = c.Table(cols.Select(r => r.Lo)), hi = c.Table(cols.Select(r => r.Hi));
        string acc = c.Scratch("Float64Array", Block * ow);
        var code = c.Code;
        long full = mg / Block * Block;
        // Blocks never cross a group boundary: loop over groups, then blocks within the group.
        code.For("g", k.Group);
        if (full > 0)
        {
            code.Open($"for (let mb = 0; mb < {full}; mb += {Block})");
            Body(c, k, s, Block, lo, hi, acc);
            code.Close();
        }
        if (full < mg)
        {
            code.Open($"for (let mb = {full}; mb < {mg}; mb++)");
            Body(c, k, s, 1, lo, hi, acc);
            code.Close();
        }
        code.Close();
    }

    private static void Body(JsKernelContext c, ConvKernel k, Spatial3 s, int rows, string lo, string hi, string acc)
    {
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        long batch = x[0], cin = x[1], cg = w[1], m = w[0], mg = m / k.Group;
        long kk = s.KernelSize, inHw = s.In[1] * s.In[2], ow = s.Out[2];
        var epi = new JsEpilogue(k, k.Epilogue, k.EpilogueFirstInput);
        var code = c.Code;
        code.Line($"const m0 = g * {mg} + mb;");
        code.For("n", batch);
        code.Line($"const xg = n * {cin * s.InSize} + g * {cg * s.InSize};");
        code.For("od", s.Out[0]);
        code.For("oh", s.Out[1]);
        code.Line($"{acc}.fill(0);");
        code.For("c", cg);
        code.Line($"const xc = xg + c * {s.InSize}, wc = m0 * {cg * kk} + c * {kk};");
        code.For("kd", s.Kernel[0]);
        code.Line($"const id = {JsCode.Axpy(JsCode.Axpy(JsCode.Int(-s.PadsBegin[0]), "od", s.Strides[0]), "kd", s.Dilations[0])};");
        code.Line($"if (id < 0 || id >= {s.In[0]}) continue;");
        code.For("kh", s.Kernel[1]);
        code.Line($"const ih = {JsCode.Axpy(JsCode.Axpy(JsCode.Int(-s.PadsBegin[1]), "oh", s.Strides[1]), "kh", s.Dilations[1])};");
        code.Line($"if (ih < 0 || ih >= {s.In[1]}) continue;");
        code.Line($"const xr = xc + id * {inHw} + ih * {s.In[2]} - {s.PadsBegin[2]}, wr = wc + (kd * {s.Kernel[1]} + kh) * {s.Kernel[2]};");
        code.For("kw", s.Kernel[2]);
        for (int r = 0; r < rows; r++)
        {
            code.Line($"const w{r} = x1[wr + {r * cg * kk} + kw];");
        }
        code.Line($"const end = {hi}[kw];");
        code.Line($"let ow = {lo}[kw], xi = xr + kw * {s.Dilations[2]} + ow * {s.Strides[2]};");
        code.Open($"for (; ow < end; ow++, xi += {s.Strides[2]})");
        code.Line("const xv = x0[xi];");
        for (int r = 0; r < rows; r++)
        {
            code.Line($"{acc}[{(r == 0 ? "ow" : $"{r * ow} + ow")}] += w{r} * xv;");
        }
        code.Close();
        for (int i = 0; i < 4; i++)
        {
            code.Close();
        }
        var coords = new List<string> { "n", "m" };
        coords.AddRange(new[] { "od", "oh", "ow" }.Skip(3 - (y.Length - 2)));
        for (int r = 0; r < rows; r++)
        {
            code.Open("");
            code.Line($"const m = m0 + {r};");
            code.Line($"const ob = ((n * {m} + m) * {s.Out[0]} + od) * {s.Out[1] * ow} + oh * {ow};");
            if (k.HasBias)
            {
                code.Line("const bias = x2[m];");
            }
            code.For("ow", ow);
            string a = r == 0 ? $"{acc}[ow]" : $"{acc}[{r * ow} + ow]";
            epi.Store(code, k.HasBias ? $"{a} + bias" : a, "ob + ow", coords);
            code.Close();
            code.Close();
        }
        code.Close();
        code.Close();
        code.Close();
    }
}
