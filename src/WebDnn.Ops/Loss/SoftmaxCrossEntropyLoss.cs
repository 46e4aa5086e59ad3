using WebDnn.Core;
using WebDnn.Ops.Nn;

namespace WebDnn.Ops.Loss;

/// <summary>
/// ONNX SoftmaxCrossEntropyLoss (opset 12, 13): scores [N, C, d1…dk], labels [N, d1…dk], optional weights [C].
/// log_prob = LogSoftmax(scores, axis 1) (the optional second output, same shape as scores); the loss is
/// NegativeLogLikelihoodLoss(log_prob, labels, weights) with the same reduction and ignore_index semantics.
/// Computed in double. Reference only.
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : OpDef
{
    public override string OpType => "SoftmaxCrossEntropyLoss";

    public override int SinceVersion => 12;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var t = ctx.InputType(1);
        NnData.RequireFloat(ctx, x.DataType);
        ctx.SetOutput(0, x.DataType, LossCommon.OutShape(ctx, x.Shape, t.Shape));
        ctx.SetOutput(1, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank < 2)
        {
            throw ctx.Error($"scores must have rank ≥ 2 ([N, C, ...]), not {x.Rank}");
        }
        int n = x.Shape[0], c = x.Shape[1];
        int d = x.Shape[2..].Aggregate(1, (a, b) => a * b);
        var v = x.ToDoubles();
        var lp = new double[v.Length];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double m = double.NegativeInfinity;
                for (int k = 0; k < c; k++)
                {
                    m = Math.Max(m, v[(i * c + k) * d + j]);
                }
                double s = 0;
                for (int k = 0; k < c; k++)
                {
                    s += Math.Exp(v[(i * c + k) * d + j] - m);
                }
                double ls = Math.Log(s) + m;
                for (int k = 0; k < c; k++)
                {
                    lp[(i * c + k) * d + j] = v[(i * c + k) * d + j] - ls;
                }
            }
        }
        ctx.SetOutput(0, LossCommon.Nll(ctx, x.DataType, x.Shape, lp, ctx.Input(1), ctx.OptionalInput(2)));
        ctx.SetOutput(1, Tensor.FromDoubles(x.DataType, x.Shape, lp));
    }
}
