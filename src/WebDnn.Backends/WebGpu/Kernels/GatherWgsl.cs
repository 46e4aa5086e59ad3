using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>gather: data viewed as [outer, axisLen, inner], output as [outer, count, inner]; negative indices count from the end, out-of-range ones clamp.</summary>
internal static class GatherWgsl
{
    public static void Emit(WgslKernel c, GatherKernel k)
    {
        var shape = k.Inputs[0].Shape;
        long inner = shape.Skip(k.Axis + 1).Aggregate(1L, (a, d) => a * d);
        long axisLen = shape[k.Axis];
        long count = k.Inputs[1].Length;
        var w = c.W;
        c.Map(() =>
        {
            w.Line($"let t = i % {WgslWriter.I32(inner)};");
            w.Line($"let j = (i / {WgslWriter.I32(inner)}) % {WgslWriter.I32(count)};");
            w.Line($"let o = i / {WgslWriter.I32(inner * count)};");
            w.Line($"var q = {c.Load(1, "j")};");
            w.Line($"q = clamp(select(q, q + {WgslWriter.I32(axisLen)}, q < 0i), 0i, {WgslWriter.I32(Math.Max(axisLen - 1, 0))});");
            w.Line($"return {c.Load(0, $"(o * {WgslWriter.I32(axisLen)} + q) * {WgslWriter.I32(inner)} + t")};");
        });
    }
}
