using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>softmax over the middle axis of [Outer, N, Inner]: max, then exp(x - max) kept in a double scratch row, then scale.</summary>
internal static class SoftmaxJs
{
    public static void Emit(JsKernelContext c, SoftmaxKernel k)
    {
        string e = c.Scratch("Float64Array", k.N);
        var code = c.Code;
        code.For("o", k.Outer);
        code.For("q", k.Inner);
        code.Line($"const b0 = o * {(long)k.N * k.Inner} + q;");
        code.Line("let mx = -Infinity;");
        code.Line($"for (let n = 0; n < {k.N}; n++) mx = Math.max(mx, x0[b0 + n * {k.Inner}]);");
        code.Line("let sum = 0;");
        code.Line($"for (let n = 0; n < {k.N}; n++) {{ const t = Math.exp(x0[b0 + n * {k.Inner}] - mx); {e}[n] = t; sum += t; }}");
        code.Line(k.Log
            ? $"const ls = Math.log(sum); for (let n = 0; n < {k.N}; n++) y0[b0 + n * {k.Inner}] = x0[b0 + n * {k.Inner}] - mx - ls;"
            : $"for (let n = 0; n < {k.N}; n++) y0[b0 + n * {k.Inner}] = {e}[n] / sum;");
        code.Close();
        code.Close();
    }
}
