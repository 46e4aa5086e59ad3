using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// elementwise: out[i] = Body(in0[bcast(i)], in1[bcast(i)], …) with numpy broadcasting to the output shape. A tree that
/// is integral throughout (<see cref="ExprEvaluator.IsIntegral"/>) is evaluated in long (exact int64), any other in double.
/// </summary>
public static class ElementwiseReference
{
    public static void Run(ElementwiseKernel k, Tensor[] ins, Tensor output)
    {
        var os = output.Shape;
        var strides = ins.Select(t => RowMajor.BroadcastStrides(t.Shape, os)).ToArray();
        bool integral = ExprEvaluator.IsIntegral(k.Body);
        var idx = new int[os.Length];
        var dv = new double[ins.Length];
        var lv = new long[ins.Length];
        for (int i = 0; i < output.Length; i++)
        {
            for (int j = 0; j < ins.Length; j++)
            {
                int at = (int)RowMajor.Offset(idx, strides[j]);
                if (integral)
                {
                    lv[j] = ins[j].GetLong(at);
                }
                else
                {
                    dv[j] = ins[j].GetDouble(at);
                }
            }
            if (integral)
            {
                output.SetLong(i, ExprEvaluator.EvalInt(k.Body, lv));
            }
            else
            {
                KernelReference.Store(output, i, ExprEvaluator.Eval(k.Body, dv));
            }
            RowMajor.Next(idx, os);
        }
    }
}
