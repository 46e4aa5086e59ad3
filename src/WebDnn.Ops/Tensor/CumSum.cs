using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX CumSum (opset 11): running sums along the axis given by the scalar input 1 (int32/int64, negative counts
/// from the end). <c>exclusive</c> = 1 leaves out the current element (the first output is 0); <c>reverse</c> = 1
/// sums from the end. Integers accumulate exactly in int64 (wrapping to the element type), floats in double.
/// No lowering.
/// </summary>
public sealed class CumSum : OpDef
{
    public override string OpType => "CumSum";

    public override int SinceVersion => 11;

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0));

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var axisT = ctx.Input(1);
        if (axisT.Length != 1)
        {
            throw ctx.Error("axis must be a scalar");
        }
        int axis = ctx.Axis(axisT.GetLong(0), x.Rank);
        bool exclusive = ctx.Int("exclusive", 0) != 0, reverse = ctx.Int("reverse", 0) != 0;
        int outer = x.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = x.Shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        int n = x.Shape[axis];
        var r = Tensor.Zeros(x.DataType, x.Shape);
        bool isFloat = x.DataType.IsFloat();
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double sd = 0;
                long sl = 0;
                for (int step = 0; step < n; step++)
                {
                    int k = reverse ? n - 1 - step : step;
                    int at = (o * n + k) * inner + i;
                    if (isFloat)
                    {
                        double v = x.GetDouble(at);
                        r.SetDouble(at, exclusive ? sd : sd + v);
                        sd += v;
                    }
                    else
                    {
                        long v = x.GetLong(at);
                        r.SetLong(at, exclusive ? sl : unchecked(sl + v));
                        sl = unchecked(sl + v);
                    }
                }
            }
        }
        ctx.SetOutput(0, r);
    }
}
