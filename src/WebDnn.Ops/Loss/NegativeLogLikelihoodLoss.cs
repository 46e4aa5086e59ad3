using WebDnn.Core;
using WebDnn.Ops.Nn;

namespace WebDnn.Ops.Loss;

/// <summary>
/// ONNX NegativeLogLikelihoodLoss (opset 12, 13, 22): input [N, C, d1…dk], target [N, d1…dk] (integer class ids),
/// optional weight [C]. loss[n, d] = -input[n, target[n, d], d] · weight[target[n, d]], and 0 (with weight 0) where
/// target == ignore_index. reduction "none" keeps [N, d1…dk]; "sum" sums; "mean" (default) divides the sum by the sum of
/// the applied weights (0/0 = NaN when everything is ignored). A target outside [0, C) that is not ignored is a model error.
/// Computed in double. Reference only.
/// </summary>
public sealed class NegativeLogLikelihoodLoss : OpDef
{
    public override string OpType => "NegativeLogLikelihoodLoss";

    public override int SinceVersion => 12;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var t = ctx.InputType(1);
        NnData.RequireFloat(ctx, x.DataType);
        ctx.SetOutput(0, x.DataType, LossCommon.OutShape(ctx, x.Shape, t.Shape));
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        ctx.SetOutput(0, LossCommon.Nll(ctx, x.DataType, x.Shape, x.ToDoubles(), ctx.Input(1), ctx.OptionalInput(2)));
    }
}

/// <summary>Shared by NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.</summary>
internal static class LossCommon
{
    public static Dim[]? OutShape(NodeContext ctx, Dim[]? x, Dim[]? target)
    {
        string reduction = ctx.Str("reduction", "mean");
        if (reduction is not ("none" or "sum" or "mean"))
        {
            throw ctx.Error($"reduction must be none, sum or mean, not '{reduction}'");
        }
        if (x is not null && x.Length < 2)
        {
            throw ctx.Error($"input must have rank ≥ 2 ([N, C, ...]), not {x.Length}");
        }
        if (reduction != "none")
        {
            return [];
        }
        if (target is not null)
        {
            return target;
        }
        return x is null ? null : [x[0], .. x[2..]];
    }

    public static Tensor Nll(NodeContext ctx, DataType dt, int[] xShape, double[] x, Tensor target, Tensor? weight)
    {
        int n = xShape[0], c = xShape[1];
        int d = xShape[2..].Aggregate(1, (a, b) => a * b);
        if (target.Length != n * d)
        {
            throw ctx.Error($"target [{string.Join(",", target.Shape)}] does not match input [{string.Join(",", xShape)}]");
        }
        if (weight is not null && weight.Length != c)
        {
            throw ctx.Error($"weight has {weight.Length} values but there are {c} classes");
        }
        long ignore = ctx.HasAttr("ignore_index") ? ctx.Int("ignore_index") : long.MinValue;
        var loss = new double[n * d];
        double wsum = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                long t = target.GetLong(i * d + j);
                if (t == ignore)
                {
                    continue;
                }
                if (t < 0 || t >= c)
                {
                    throw ctx.Error($"target {t} is outside [0, {c})");
                }
                double w = weight?.GetDouble((int)t) ?? 1;
                loss[i * d + j] = -x[(i * c + (int)t) * d + j] * w;
                wsum += w;
            }
        }
        return ctx.Str("reduction", "mean") switch
        {
            "none" => Tensor.FromDoubles(dt, [n, .. xShape[2..]], loss),
            "sum" => Tensor.FromDoubles(dt, [], [loss.Sum()]),
            _ => Tensor.FromDoubles(dt, [], [loss.Sum() / wsum]),
        };
    }
}
