using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>elementwise: one (coalesced) strided loop; inputs of one element are loaded once, before the loop.</summary>
internal static class ElementwiseJs
{
    public static void Emit(JsKernelContext c, ElementwiseKernel k)
    {
        var outShape = k.Output.Shape;
        var used = new SortedSet<int>();
        k.Body.Substitute(i =>
        {
            used.Add(i.Index);
            return i;
        });
        foreach (int i in used.Where(i => k.Inputs[i].Length == 1))
        {
            c.Code.Line($"const a{i} = {JsKernelContext.In(i)}[0];");
        }
        var streamed = used.Where(i => k.Inputs[i].Length != 1).ToList();
        var strides = new List<long[]> { RowMajor.Strides(outShape) };
        strides.AddRange(streamed.Select(i => RowMajor.BroadcastStrides(k.Inputs[i].Shape, outShape)));
        StridedLoop.Emit(c.Code, outShape, strides, Enumerable.Repeat("0", strides.Count).ToList(), "i", idx =>
        {
            for (int j = 0; j < streamed.Count; j++)
            {
                c.Code.Line($"const a{streamed[j]} = {JsKernelContext.In(streamed[j])}[{idx[j + 1]}];");
            }
            c.Code.Line($"{JsKernelContext.Out(0)}[{idx[0]}] = {JsExpr.Compile(k.Body, i => $"a{i}")};");
        });
    }
}
