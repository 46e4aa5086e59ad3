using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>gather_elements: per index element, the data offset of every axis but <c>Axis</c> is strided; the axis comes from the index.</summary>
internal static class GatherElementsWgsl
{
    public static void Emit(WgslKernel c, GatherElementsKernel k)
    {
        var idxShape = k.Inputs[1].Shape;
        var dataStrides = WgslIndex.Contiguous(k.Inputs[0].Shape);
        long axisLen = k.Inputs[0].Shape[k.Axis];
        var walk = (long[])dataStrides.Clone();
        walk[k.Axis] = 0;
        var w = c.W;
        c.Map(() =>
        {
            w.Line($"var q = {c.Load(1, "i")};");
            w.Line($"q = clamp(select(q, q + {WgslWriter.I32(axisLen)}, q < 0i), 0i, {WgslWriter.I32(Math.Max(axisLen - 1, 0))});");
            w.Line($"return {c.Load(0, $"{WgslIndex.Offset("i", idxShape, walk)} + q * {WgslWriter.I32(dataStrides[k.Axis])}")};");
        });
    }
}
