using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>gather_elements: walks the indices; the data offset of every axis but <c>Axis</c> is a strided operand.</summary>
internal static class GatherElementsJs
{
    public static void Emit(JsKernelContext c, GatherElementsKernel k)
    {
        var idxShape = k.Inputs[1].Shape;
        var dataStrides = RowMajor.Strides(k.Inputs[0].Shape);
        long axisLen = k.Inputs[0].Shape[k.Axis];
        long axisStride = dataStrides[k.Axis];
        var walk = (long[])dataStrides.Clone();
        walk[k.Axis] = 0;
        StridedLoop.Emit(c.Code, idxShape, [RowMajor.Strides(idxShape), walk], ["0", "0"], "i", idx =>
        {
            c.Code.Line($"let q = x1[{idx[0]}];");
            c.Code.Line($"if (q < 0) q += {axisLen};");
            c.Code.Line($"if (q < 0 || q >= {axisLen}) throw new RangeError('gather_elements: index ' + x1[{idx[0]}] + ' at position ' + ({idx[0]}) + ' of the indices is out of range [-{axisLen}, {axisLen})');");
            c.Code.Line($"y0[{idx[0]}] = x0[{JsCode.Axpy(idx[1], "q", axisStride)}];");
        });
    }
}
