using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>gather: data viewed as [outer, axisLen, inner]; each index copies one inner block.</summary>
internal static class GatherJs
{
    public static void Emit(JsKernelContext c, GatherKernel k)
    {
        var shape = k.Inputs[0].Shape;
        long outer = shape.Take(k.Axis).Aggregate(1L, (a, d) => a * d);
        long inner = shape.Skip(k.Axis + 1).Aggregate(1L, (a, d) => a * d);
        long axisLen = shape[k.Axis];
        long count = k.Inputs[1].Length;
        var code = c.Code;
        code.For("o", outer);
        code.For("j", count);
        code.Line($"let q = x1[j];");
        code.Line($"if (q < 0) q += {axisLen};");
        code.Line($"if (q < 0 || q >= {axisLen}) throw new RangeError('gather: index ' + x1[j] + ' at position ' + j + ' of the indices is out of range [-{axisLen}, {axisLen})');");
        code.Line($"const src = (o * {axisLen} + q) * {inner}, dst = (o * {count} + j) * {inner};");
        if (inner == 1)
        {
            code.Line("y0[dst] = x0[src];");
        }
        else
        {
            code.Line($"for (let t = 0; t < {inner}; t++) y0[dst + t] = x0[src + t];");
        }
        code.Close();
        code.Close();
    }
}
