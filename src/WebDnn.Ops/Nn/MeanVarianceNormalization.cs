using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX MeanVarianceNormalization (opset 9, 13): y = (x - E[x]) / (sqrt(E[x²] - E[x]²) + 1e-9), the expectations over
/// <c>axes</c> (default [0, 2, 3]). Reference only.
/// </summary>
public sealed class MeanVarianceNormalization : OpDef
{
    public override string OpType => "MeanVarianceNormalization";

    public override int SinceVersion => 9;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        ctx.SetOutput(0, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var axes = (ctx.Ints("axes") ?? [0, 2, 3]).Select(a => ctx.Axis(a, x.Rank)).ToHashSet();
        var keptShape = x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        int groups = (int)Tensor.ElementCount(keptShape);
        var sum = new double[groups];
        var sq = new double[groups];
        var map = new int[x.Length];
        int count = groups == 0 ? 0 : x.Length / groups;
        Shapes.ForEachBroadcast(x.Shape, [keptShape], (o, offs) => map[o] = offs[0]);
        var xd = x.ToDoubles();
        for (int i = 0; i < xd.Length; i++)
        {
            sum[map[i]] += xd[i];
            sq[map[i]] += xd[i] * xd[i];
        }
        var y = new double[xd.Length];
        for (int i = 0; i < xd.Length; i++)
        {
            double m = sum[map[i]] / count;
            double v = sq[map[i]] / count - m * m;
            y[i] = (xd[i] - m) / (Math.Sqrt(Math.Max(v, 0)) + 1e-9);
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
    }
}
