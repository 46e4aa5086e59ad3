using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// conv_transpose in gather form: one invocation per output element o sums x[i]·w[t] over the input channels of its
/// group and the taps t with o = i·s − p + t·d (i integral and inside the input), then bias and epilogue.
/// </summary>
internal static class ConvTransposeWgsl
{
    private static string I(long v) => WgslWriter.I32(v);

    public static void Emit(WgslKernel c, ConvTransposeKernel k)
    {
        var x = k.Inputs[0].Shape;
        var wt = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        var s = Spatial3.Of(x, y, wt[2..], k.Strides, k.Pads, k.Dilations);
        long cin = x[1], mg = wt[1], m = y[1], cg = cin / k.Group;
        var w = c.W;
        var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, y);
        c.Each(k.Output.Length, () =>
        {
            ConvWgsl.OutputCoords(w, s, m, mg);
            w.Line($"let mm = ma % {I(mg)};");
            w.Line("var acc = 0f;");
            string[] o = ["od", "oh", "ow"], t = ["kd", "kh", "kw"], i = ["id", "ih", "iw"];
            for (int a = 0; a < 3; a++)
            {
                w.For(t[a], s.Kernel[a]);
                w.Line($"let n{i[a]} = {o[a]} + {I(s.PadsBegin[a])} - {t[a]} * {I(s.Dilations[a])};");
                w.Line($"if (n{i[a]} < 0i || n{i[a]} % {I(s.Strides[a])} != 0i) {{ continue; }}");
                w.Line($"let {i[a]} = n{i[a]} / {I(s.Strides[a])};");
                w.Line($"if ({i[a]} >= {I(s.In[a])}) {{ continue; }}");
            }
            w.Line($"let xo = (id * {I(s.In[1])} + ih) * {I(s.In[2])} + iw;");
            w.Line($"let wo = (kd * {I(s.Kernel[1])} + kh) * {I(s.Kernel[2])} + kw;");
            w.For("ci", cg);
            w.Line($"let cc = g * {I(cg)} + ci;");
            w.Line($"acc = fma({c.Load(0, $"(n * {I(cin)} + cc) * {I(s.InSize)} + xo")}, {c.Load(1, $"(cc * {I(mg)} + mm) * {I(s.KernelSize)} + wo")}, acc);");
            for (int a = 0; a < 4; a++)
            {
                w.Close();
            }
            epi.Store(k.HasBias ? $"acc + {c.Load(2, "ma")}" : "acc");
        });
    }
}
