using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX GroupNormalization (opset 18, 21): the C channels are split into num_groups groups; each (n, group) block of
/// C/G channels × spatial positions is normalized, y = (x - μ) / sqrt(σ² + epsilon) · scale + bias. Opset 18 has
/// scale/bias per group ([G]), opset 21 per channel ([C]). Statistics in double. Lowers to a
/// <see cref="NormKernel"/> (no affine) followed by a per-channel elementwise scale/bias.
/// </summary>
public sealed class GroupNormalization : OpDef
{
    public override string OpType => "GroupNormalization";

    public override int SinceVersion => 18;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        ctx.SetOutput(0, x);
    }

    /// <summary>Per-channel coefficients (expanding the opset-18 per-group form).</summary>
    private static double[] PerChannel(NodeContext ctx, Tensor t, int c, int g)
    {
        var v = t.ToDoubles();
        if (v.Length == c)
        {
            return v;
        }
        if (v.Length == g && ctx.Opset < 21)
        {
            return Enumerable.Range(0, c).Select(ch => v[ch / (c / g)]).ToArray();
        }
        throw ctx.Error($"scale/bias have {v.Length} elements, expected {(ctx.Opset < 21 ? g : c)}");
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int n = x.Shape[0], c = x.Shape[1], s = x.Length / Math.Max(1, n * c);
        int g = (int)ctx.Int("num_groups");
        if (g <= 0 || c % g != 0)
        {
            throw ctx.Error($"num_groups {g} does not divide the {c} channels");
        }
        var scale = PerChannel(ctx, ctx.Input(1), c, g);
        var bias = PerChannel(ctx, ctx.Input(2), c, g);
        var (y, _, _) = NormCommon.Rows(x.ToDoubles(), n * g, c / g * s, ctx.Float("epsilon", 1e-5f));
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
        int g = (int)ctx.Int("num_groups");
        var chShape = NormCommon.ChannelShape(c, xs.Length - 2);
        var ops = new KernelBuffer[2];
        for (int i = 0; i < 2; i++)
        {
            if (Tensor.ElementCount(ctx.InputShape(i + 1)) == c)
            {
                ops[i] = NormCommon.View(ctx, ctx.Input(i + 1), chShape);
            }
            else if (ctx.ConstInput(i + 1) is { } t)
            {
                ops[i] = NormCommon.Weight(ctx, chShape, PerChannel(ctx, t, c, g).Select(v => (float)v).ToArray());
            }
            else
            {
                ctx.Unsupported("per-group non-constant scale/bias has no kernel lowering");
                return false;
            }
        }
        var tmp = ctx.Temp(DataType.Float32, xs);
        ctx.Emit(new NormKernel(n * g, c / g * s, ctx.Float("epsilon", 1e-5f), false, false, false, 0) { Inputs = [ctx.Input(0)], Outputs = [tmp] });
        var f32 = DataType.Float32;
        ctx.Emit(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, Expr.Bin(BinaryOp.Mul, Expr.In(0, f32), Expr.In(1, f32)), Expr.In(2, f32)))
        {
            Inputs = [tmp, ops[0], ops[1]],
            Outputs = [ctx.Output(0)],
        });
        return true;
    }
}
