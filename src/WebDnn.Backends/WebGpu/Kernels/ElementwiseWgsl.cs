using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>elementwise: one invocation per output element; each input read through its broadcast strides.</summary>
internal static class ElementwiseWgsl
{
    public static void Emit(WgslKernel c, ElementwiseKernel k)
    {
        var outShape = k.Output.Shape;
        c.Map(() =>
        {
            var used = new SortedSet<int>();
            k.Body.Substitute(i =>
            {
                used.Add(i.Index);
                return i;
            });
            foreach (int i in used)
            {
                var b = k.Inputs[i];
                string at = b.Length == 1 ? "0" : WgslIndex.Offset("i", outShape, WgslIndex.Broadcast(b.Shape, outShape));
                c.W.Line($"let a{i} = {c.Load(i, at)};");
            }
            c.W.Line($"return {WgslExpr.Compile(c.W, k.Body, i => $"a{i}")};");
        });
    }
}
