using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>norm: per row of N, two-pass mean and (biased) variance in double, then (x - mean) / sqrt(var + eps) * scale + bias.</summary>
internal static class NormJs
{
    public static void Emit(JsKernelContext c, NormKernel k)
    {
        var code = c.Code;
        string scaleIdx = k.PerChannel ? $"r % {k.Channels}" : "n";
        code.For("r", k.Outer);
        code.Line($"const b0 = r * {k.N};");
        code.Line("let mean = 0;");
        code.Line($"for (let n = 0; n < {k.N}; n++) mean += x0[b0 + n];");
        code.Line($"mean /= {k.N};");
        code.Line("let vr = 0;");
        code.Line($"for (let n = 0; n < {k.N}; n++) {{ const d = x0[b0 + n] - mean; vr += d * d; }}");
        code.Line($"const sd = Math.sqrt(vr / {k.N} + {JsCode.Num(k.Epsilon)});");
        string v = "(x0[b0 + n] - mean) / sd";
        if (k.HasScale)
        {
            v = $"{v} * x1[{scaleIdx}]";
        }
        if (k.HasBias)
        {
            v = $"{v} + x{(k.HasScale ? 2 : 1)}[{scaleIdx}]";
        }
        code.Line($"for (let n = 0; n < {k.N}; n++) y0[b0 + n] = {v};");
        code.Close();
    }
}
