using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// conv. "implicit-gemm" and "gemm-1x1": per group, out[m, p] = Σ_k W[m, k] · im2col(X)[k, p] through <see cref="GemmCore"/>,
/// the im2col view computed in load_b (the 1×1 form reads X directly), k = (c, kd, kh, kw) and p = (n, od, oh, ow).
/// "direct" and "depthwise": one invocation per output element looping over its window. Bias and the fused epilogue
/// are applied in the store. A GEMM-form convolution to at most <see cref="GemmCore.MaxGemvRows"/> channels on a large
/// map (style transfer's last layer: 32 → 3 channels, 9×9, 256×256) runs as one invocation per output position computing
/// every channel: it reads each input value of the window once for all channels, where a GEMM tile would pad M to 16.
/// "winograd-f2x2-3x3" with its weight transformed at compile time: <see cref="WinogradWgsl"/>.
/// </summary>
internal static class ConvWgsl
{
    /// <summary>Fewest output positions (batch × map) for the per-position few-channel form (enough invocations to fill the GPU).</summary>
    public const long FewChannelsMinPositions = 16384;

    public static void Emit(WgslKernel c, ConvKernel k)
    {
        var x = k.Inputs[0].Shape;
        var wt = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        var s = Spatial3.Of(x, y, wt[2..], k.Strides, k.Pads, k.Dilations);
        // A Winograd conv whose weight was not transformed (not a plain f32 constant) runs as implicit GEMM.
        bool gemm = k.Algorithm is KernelAlgorithms.ImplicitGemm or KernelAlgorithms.Gemm1x1 or KernelAlgorithms.WinogradF2;
        if (WinogradWgsl.Supports(k))
        {
            WinogradWgsl.Emit(c, k);
        }
        else if (gemm && k.Group == 1 && wt[0] <= GemmCore.MaxGemvRows && x[0] * s.OutSize >= FewChannelsMinPositions)
        {
            FewChannels(c, k, s);
        }
        else if (gemm)
        {
            Gemm(c, k, s);
        }
        else
        {
            Direct(c, k, s);
        }
    }

    private static string I(long v) => WgslWriter.I32(v);

    /// <summary>Declares the coordinates of flat output index o of an N×M×(D×H×W) output: n, ma (channel), g (its group), od, oh, ow.</summary>
    internal static void OutputCoords(WgslWriter w, Spatial3 s, long m, long mg)
    {
        w.Line($"let ow = o % {I(s.Out[2])};");
        w.Line($"let oh = (o / {I(s.Out[2])}) % {I(s.Out[1])};");
        w.Line($"let od = (o / {I(s.Out[2] * s.Out[1])}) % {I(s.Out[0])};");
        w.Line($"let ma = (o / {I(s.OutSize)}) % {I(m)};");
        w.Line($"let n = o / {I(s.OutSize * m)};");
        w.Line($"let g = ma / {I(mg)};");
    }

    private static void Gemm(WgslKernel c, ConvKernel k, Spatial3 s)
    {
        var x = k.Inputs[0].Shape;
        var wt = k.Inputs[1].Shape;
        long batch = x[0], cin = x[1], m = wt[0], mg = m / k.Group, cg = wt[1];
        long ks = s.KernelSize, kdim = cg * ks, n = batch * s.OutSize;
        void Functions(WgslKernel c)
        {
            var w = c.W;
            w.Function("fn load_a(z: i32, m: i32, k: i32) -> f32", () => w.Line($"return {c.Load(1, $"(z * {I(mg)} + m) * {I(kdim)} + k")};"));
            w.Function("fn load_b(z: i32, k: i32, p: i32) -> f32", () =>
            {
                w.Line($"let n = p / {I(s.OutSize)};");
                w.Line($"let q = p % {I(s.OutSize)};");
                if (k.Algorithm == KernelAlgorithms.Gemm1x1 && ks == 1)
                {
                    w.Line($"return {c.Load(0, $"(n * {I(cin)} + z * {I(cg)} + k) * {I(s.InSize)} + q")};");
                    return;
                }
                w.Line($"let ci = k / {I(ks)};");
                w.Line($"let r = k % {I(ks)};");
                string[] o = ["od", "oh", "ow"], t = ["kd", "kh", "kw"], i = ["id", "ih", "iw"];
                long outInner = 1, kInner = 1;
                var inBounds = new List<string>();
                for (int a = 2; a >= 0; a--)
                {
                    w.Line($"let {o[a]} = {(a == 0 ? $"q / {I(outInner)}" : $"(q / {I(outInner)}) % {I(s.Out[a])}")};");
                    w.Line($"let {t[a]} = {(a == 0 ? $"r / {I(kInner)}" : $"(r / {I(kInner)}) % {I(s.Kernel[a])}")};");
                    w.Line($"let {i[a]} = {o[a]} * {I(s.Strides[a])} - {I(s.PadsBegin[a])} + {t[a]} * {I(s.Dilations[a])};");
                    if (s.PadsBegin[a] != 0 || s.PadsEnd[a] != 0 || s.Dilations[a] * (s.Kernel[a] - 1) + s.Strides[a] * (s.Out[a] - 1) >= s.In[a])
                    {
                        inBounds.Add($"{i[a]} >= 0i && {i[a]} < {I(s.In[a])}");
                    }
                    outInner *= s.Out[a];
                    kInner *= s.Kernel[a];
                }
                if (inBounds.Count > 0)
                {
                    w.Line($"if (!({string.Join(" && ", inBounds)})) {{ return 0f; }}");
                }
                w.Line($"return {c.Load(0, $"(n * {I(cin)} + z * {I(cg)} + ci) * {I(s.InSize)} + (id * {I(s.In[1])} + ih) * {I(s.In[2])} + iw")};");
            });
            var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, k.Output.Shape);
            w.Function("fn store(z: i32, m: i32, p: i32, acc: f32)", () =>
            {
                w.Line($"let n = p / {I(s.OutSize)};");
                w.Line($"let ma = z * {I(mg)} + m;");
                w.Line($"let o = (n * {I(m)} + ma) * {I(s.OutSize)} + p % {I(s.OutSize)};");
                epi.Store(k.HasBias ? $"acc + {c.Load(2, "ma")}" : "acc");
            });
        }
        GemmCore.Emit(c, Functions, mg, n, kdim, k.Group);
    }

    private static void Direct(WgslKernel c, ConvKernel k, Spatial3 s)
    {
        var x = k.Inputs[0].Shape;
        var wt = k.Inputs[1].Shape;
        long cin = x[1], m = wt[0], mg = m / k.Group, cg = wt[1];
        var w = c.W;
        var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, k.Output.Shape);
        c.Each(k.Output.Length, () =>
        {
            OutputCoords(w, s, m, mg);
            w.Line("var acc = 0f;");
            w.For("ci", cg);
            w.Line($"let xc = (n * {I(cin)} + g * {I(cg)} + ci) * {I(s.InSize)};");
            w.Line($"let wc = (ma * {I(cg)} + ci) * {I(s.KernelSize)};");
            string[] o = ["od", "oh", "ow"], t = ["kd", "kh", "kw"], i = ["id", "ih", "iw"];
            for (int a = 0; a < 3; a++)
            {
                w.For(t[a], s.Kernel[a]);
                w.Line($"let {i[a]} = {o[a]} * {I(s.Strides[a])} - {I(s.PadsBegin[a])} + {t[a]} * {I(s.Dilations[a])};");
                w.Line($"if ({i[a]} < 0i || {i[a]} >= {I(s.In[a])}) {{ continue; }}");
            }
            w.Line($"acc = fma({c.Load(0, $"xc + (id * {I(s.In[1])} + ih) * {I(s.In[2])} + iw")}, {c.Load(1, $"wc + (kd * {I(s.Kernel[1])} + kh) * {I(s.Kernel[2])} + kw")}, acc);");
            for (int a = 0; a < 4; a++)
            {
                w.Close();
            }
            epi.Store(k.HasBias ? $"acc + {c.Load(2, "ma")}" : "acc");
        });
    }

    private static void FewChannels(WgslKernel c, ConvKernel k, Spatial3 s)
    {
        var x = k.Inputs[0].Shape;
        long cin = x[1], m = k.Inputs[1].Shape[0];
        var w = c.W;
        var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, k.Output.Shape);
        c.Each(x[0] * s.OutSize, () =>
        {
            w.Line($"let q = o % {I(s.OutSize)};");
            w.Line($"let n = o / {I(s.OutSize)};");
            w.Line($"let ow = q % {I(s.Out[2])};");
            w.Line($"let oh = (q / {I(s.Out[2])}) % {I(s.Out[1])};");
            w.Line($"let od = q / {I(s.Out[2] * s.Out[1])};");
            for (int r = 0; r < m; r++)
            {
                w.Line($"var acc{r} = 0f;");
            }
            w.For("ci", cin);
            w.Line($"let xc = (n * {I(cin)} + ci) * {I(s.InSize)};");
            w.Line($"let wc = ci * {I(s.KernelSize)};");
            string[] o = ["od", "oh", "ow"], t = ["kd", "kh", "kw"], i = ["id", "ih", "iw"];
            for (int a = 0; a < 3; a++)
            {
                w.For(t[a], s.Kernel[a]);
                w.Line($"let {i[a]} = {o[a]} * {I(s.Strides[a])} - {I(s.PadsBegin[a])} + {t[a]} * {I(s.Dilations[a])};");
                w.Line($"if ({i[a]} < 0i || {i[a]} >= {I(s.In[a])}) {{ continue; }}");
            }
            w.Line($"let xv = {c.Load(0, $"xc + (id * {I(s.In[1])} + ih) * {I(s.In[2])} + iw")};");
            w.Line($"let wt = wc + (kd * {I(s.Kernel[1])} + kh) * {I(s.Kernel[2])} + kw;");
            for (int r = 0; r < m; r++)
            {
                w.Line($"acc{r} = fma(xv, {c.Load(1, $"wt + {I(r * cin * s.KernelSize)}")}, acc{r});");
            }
            for (int a = 0; a < 4; a++)
            {
                w.Close();
            }
            for (int r = 0; r < m; r++)
            {
                w.Open("");
                w.Line($"let o = (n * {I(m)} + {I(r)}) * {I(s.OutSize)} + q;");
                epi.Store(k.HasBias ? $"acc{r} + {c.Load(2, I(r))}" : $"acc{r}");
                w.Close();
            }
        });
    }
}
