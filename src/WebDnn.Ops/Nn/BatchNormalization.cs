using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX BatchNormalization (opset 7, 9, 14, 15): inference y = (x - mean[c]) / sqrt(var[c] + epsilon) · scale[c] + B[c]
/// with c the axis-1 index. Opset 7's spatial=0 takes statistics of shape [C, D1, …] (per element of a sample).
/// Training mode (opset ≥ 14 training_mode=1, or opset 7 with more than one output) normalizes with the batch
/// statistics (mean and population variance over all axes but 1) and outputs running_mean = mean·momentum +
/// batch_mean·(1 - momentum) and running_var likewise (reference only).
/// Lowering (inference): one elementwise kernel; with constant statistics x·scale' + bias' with precomputed
/// scale' = scale / sqrt(var + eps), bias' = B - mean·scale'.
/// </summary>
public sealed class BatchNormalization : OpDef
{
    public override string OpType => "BatchNormalization";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Broadcast;

    private static bool Training(NodeContext ctx) => ctx.Opset >= 14 ? ctx.Int("training_mode", 0) != 0 : ctx.Opset < 9 && ctx.OutputCount > 1;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        if (x.Shape is { Length: < 2 })
        {
            throw ctx.Error($"input must have rank >= 2, got {x}");
        }
        CheckStatistics(ctx, x);
        ctx.SetOutput(0, x);
        var st = ctx.InputType(3);
        for (int i = 1; i < ctx.OutputCount; i++)
        {
            ctx.SetOutput(i, st);
        }
    }

    private static readonly string[] s_statNames = ["scale", "B", "input_mean", "input_var"];

    /// <summary>Each statistic has C elements (shape [C]) or, opset 7 spatial=0, the shape of one sample [C, D1, …].</summary>
    private static void CheckStatistics(InferContext ctx, TensorType x)
    {
        for (int i = 1; i <= 4; i++)
        {
            var t = ctx.InputType(i);
            NnData.RequireFloat(ctx, t.DataType);
            if (x.Shape is null || t.Shape is null || !t.IsStatic || !x.Shape[1].IsKnown)
            {
                continue;
            }
            long n = t.Shape.Aggregate(1L, (a, d) => a * d.Value);
            long c = x.Shape[1].Value;
            bool perChannel = t.Shape.Length == 1 && n == c;
            bool perElement = t.Shape.Length == x.Shape.Length - 1
                && t.Shape.Zip(x.Shape.Skip(1)).All(p => !p.Second.IsKnown || p.First.Value == p.Second.Value);
            if (!perChannel && !perElement)
            {
                throw ctx.Error($"{s_statNames[i - 1]} (input {i}) has shape {t}, expected [{c}] (one value per channel of input {x})");
            }
        }
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank < 2)
        {
            throw ctx.Error($"input must have rank >= 2, got [{string.Join(",", x.Shape)}]");
        }
        double eps = ctx.Float("epsilon", 1e-5f);
        var scale = ctx.Input(1).ToDoubles();
        var bias = ctx.Input(2).ToDoubles();
        var mean = ctx.Input(3).ToDoubles();
        var var_ = ctx.Input(4).ToDoubles();
        int n = x.Shape[0], c = x.Shape[1];
        int s = x.Length / Math.Max(1, n * c);
        var xd = x.ToDoubles();
        bool training = Training(ctx);
        double[] useMean = mean, useVar = var_;
        if (training)
        {
            useMean = new double[c];
            useVar = new double[c];
            for (int ch = 0; ch < c; ch++)
            {
                double sum = 0, sq = 0;
                for (int b = 0; b < n; b++)
                {
                    for (int k = 0; k < s; k++)
                    {
                        sum += xd[(b * c + ch) * s + k];
                    }
                }
                double m = sum / (n * s);
                for (int b = 0; b < n; b++)
                {
                    for (int k = 0; k < s; k++)
                    {
                        double d = xd[(b * c + ch) * s + k] - m;
                        sq += d * d;
                    }
                }
                useMean[ch] = m;
                useVar[ch] = sq / (n * s);
            }
        }
        int statLen = scale.Length;
        if (statLen != c && statLen != c * s)
        {
            throw ctx.Error($"scale has {statLen} elements, expected {c} (per channel)");
        }
        var y = new double[xd.Length];
        for (int i = 0; i < xd.Length; i++)
        {
            int within = i % (c * s);
            int k = statLen == c ? within / s : within;
            y[i] = (xd[i] - useMean[k]) / Math.Sqrt(useVar[k] + eps) * scale[k] + bias[k];
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
        if (training)
        {
            double mom = ctx.Float("momentum", 0.9f);
            var stType = ctx.Input(3).DataType;
            var runMean = mean.Select((m, i) => m * mom + useMean[i] * (1 - mom)).ToArray();
            var runVar = var_.Select((v, i) => v * mom + useVar[i] * (1 - mom)).ToArray();
            ctx.SetOutput(1, Tensor.FromDoubles(stType, [c], runMean));
            ctx.SetOutput(2, Tensor.FromDoubles(stType, [c], runVar));
            if (ctx.Opset < 14)
            {
                // Opset 7 outputs: Y, mean, var, saved_mean, saved_var.
                ctx.SetOutput(3, Tensor.FromDoubles(stType, [c], useMean));
                ctx.SetOutput(4, Tensor.FromDoubles(stType, [c], useVar));
            }
        }
    }

    public override bool Lower(LowerContext ctx)
    {
        if (Training(ctx))
        {
            ctx.Unsupported("training-mode BatchNormalization cannot be compiled for inference");
            return false;
        }
        var xs = ctx.InputShape(0);
        int c = xs[1];
        float eps = ctx.Float("epsilon", 1e-5f);
        var statShape = ctx.InputShape(1);
        int[] bshape = statShape.Length == 1 ? NormCommon.ChannelShape(c, xs.Length - 2) : statShape;
        var f32 = DataType.Float32;
        var consts = Enumerable.Range(1, 4).Select(ctx.ConstInput).ToArray();
        if (consts.All(t => t is not null))
        {
            var sc = consts[0]!.ToDoubles();
            var bi = consts[1]!.ToDoubles();
            var me = consts[2]!.ToDoubles();
            var va = consts[3]!.ToDoubles();
            var s2 = new float[sc.Length];
            var b2 = new float[sc.Length];
            for (int i = 0; i < sc.Length; i++)
            {
                double k = sc[i] / Math.Sqrt(va[i] + eps);
                s2[i] = (float)k;
                b2[i] = (float)(bi[i] - me[i] * k);
            }
            var body = Expr.Bin(BinaryOp.Add, Expr.Bin(BinaryOp.Mul, Expr.In(0, f32), Expr.In(1, f32)), Expr.In(2, f32));
            ctx.Emit(new ElementwiseKernel(body)
            {
                Inputs = [ctx.Input(0), NormCommon.Weight(ctx, bshape, s2), NormCommon.Weight(ctx, bshape, b2)],
                Outputs = [ctx.Output(0)],
            });
            return true;
        }
        // (x - mean) / sqrt(var + eps) * scale + B with the statistics as runtime operands.
        var e = Expr.Bin(BinaryOp.Add,
            Expr.Bin(BinaryOp.Mul,
                Expr.Bin(BinaryOp.Div, Expr.Bin(BinaryOp.Sub, Expr.In(0, f32), Expr.In(3, f32)),
                    Expr.Un(UnaryOp.Sqrt, Expr.Bin(BinaryOp.Add, Expr.In(4, f32), Expr.Const(eps, f32)))),
                Expr.In(1, f32)),
            Expr.In(2, f32));
        ctx.Emit(new ElementwiseKernel(e)
        {
            Inputs = [ctx.Input(0), .. Enumerable.Range(1, 4).Select(i => NormCommon.View(ctx, ctx.Input(i), bshape))],
            Outputs = [ctx.Output(0)],
        });
        return true;
    }
}
