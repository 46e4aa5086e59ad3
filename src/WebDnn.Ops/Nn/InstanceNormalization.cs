using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX InstanceNormalization (opset 6, 22): y[n, c, …] = scale[c] · (x - μ[n, c]) / sqrt(σ²[n, c] + epsilon) + B[c],
/// with μ, σ² the mean and population variance over the spatial positions of x[n, c]. Lowers to a
/// <see cref="NormKernel"/> with per-channel scale/bias.
/// </summary>
public sealed class InstanceNormalization : OpDef
{
    public override string OpType => "InstanceNormalization";

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        if (x.Shape is { Length: < 3 })
        {
            throw ctx.Error($"input must have rank >= 3, got {x}");
        }
        for (int i = 1; i <= 2; i++)
        {
            var t = ctx.InputType(i);
            if (x.Shape is not null && x.Shape[1].IsKnown && t.IsStatic && (t.Rank != 1 || t.Shape![0].Value != x.Shape[1].Value))
            {
                throw ctx.Error($"{(i == 1 ? "scale" : "B")} (input {i}) has shape {t}, expected [{x.Shape[1].Value}]");
            }
        }
        ctx.SetOutput(0, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank < 3)
        {
            throw ctx.Error($"input must have rank >= 3, got [{string.Join(",", x.Shape)}]");
        }
        int n = x.Shape[0], c = x.Shape[1], s = x.Length / Math.Max(1, n * c);
        var scale = ctx.Input(1).ToDoubles();
        var bias = ctx.Input(2).ToDoubles();
        if (scale.Length != c || bias.Length != c)
        {
            throw ctx.Error($"scale and B must have {c} elements");
        }
        var (y, _, _) = NormCommon.Rows(x.ToDoubles(), n * c, s, ctx.Float("epsilon", 1e-5f));
        for (int i = 0; i < y.Length; i++)
        {
            int ch = i / s % c;
            y[i] = y[i] * scale[ch] + bias[ch];
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
    }

    public override bool Lower(LowerContext ctx)
    {
        var xs = ctx.InputShape(0);
        int n = xs[0], c = xs[1], s = (int)(Tensor.ElementCount(xs) / (n * c));
        ctx.Emit(new NormKernel(n * c, s, ctx.Float("epsilon", 1e-5f), true, true, true, c)
        {
            Inputs = [ctx.Input(0), ctx.Input(1), ctx.Input(2)],
            Outputs = [ctx.Output(0)],
        });
        return true;
    }
}
