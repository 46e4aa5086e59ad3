using WebDnn.Backends.Common;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// copy (strided index map): the in-bounds part of the input index is a linear function of the loop indices, so it is
/// one more strided operand; each input coordinate that can leave the input (Pad, Tile) is carried as its own
/// operand and mapped by the pad mode in the body.
/// </summary>
internal static class CopyJs
{
    public static void Emit(JsKernelContext c, CopyKernel k)
    {
        int rank = k.Shape.Length;
        var plan = CopyPlan.Of(k);
        var (check, inBase, inLinear, inStrides) = (plan.Checked, plan.InBase, plan.InLinear, plan.InStrides);
        var checkedAxes = Enumerable.Range(0, check.Length).Where(j => check[j]).ToList();
        var strides = new List<long[]> { k.OutStrides.Select(s => (long)s).ToArray(), inLinear };
        var bases = new List<string> { JsCode.Int(k.OutOffset), JsCode.Int(inBase) };
        foreach (int j in checkedAxes)
        {
            strides.Add(plan.CoordinateSteps(k, j));
            bases.Add(JsCode.Int(k.InStart[j]));
        }

        string x = JsKernelContext.In(0), y = JsKernelContext.Out(0);
        StridedLoop.Emit(c.Code, k.Shape, strides, bases, "i", idx =>
        {
            if (checkedAxes.Count == 0)
            {
                c.Code.Line($"{y}[{idx[0]}] = {x}[{idx[1]}];");
                return;
            }
            string at = idx[1];
            var outside = new List<string>();
            for (int n = 0; n < checkedAxes.Count; n++)
            {
                int j = checkedAxes[n];
                long size = k.InShape[j];
                string coord = idx[n + 2];
                string mapped = k.Mode switch
                {
                    PadMode.Edge => $"(c{j} < 0 ? 0 : c{j} >= {size} ? {size - 1} : c{j})",
                    PadMode.Reflect => $"reflectIdx(c{j}, {size})",
                    PadMode.Wrap => $"(((c{j} % {size}) + {size}) % {size})",
                    _ => $"c{j}",
                };
                c.Code.Line($"const c{j} = {coord};");
                outside.Add($"c{j} < 0 || c{j} >= {size}");
                at = JsCode.Axpy(at, mapped, inStrides[j]);
            }
            if (k.Mode == PadMode.Constant)
            {
                c.Code.Line($"{y}[{idx[0]}] = {string.Join(" || ", outside)} ? {JsCode.Num(k.PadValue)} : {x}[{at}];");
            }
            else
            {
                c.Code.Line($"{y}[{idx[0]}] = {x}[{at}];");
            }
        });
    }
}
