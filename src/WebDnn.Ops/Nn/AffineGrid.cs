using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX AffineGrid (opset 20): theta [N, 2, 3] (2-d) or [N, 3, 4] (3-d) and size [N, C, H, W] or [N, C, D, H, W]
/// give a sampling grid [N, H, W, 2] or [N, D, H, W, 3] for GridSample: grid = theta · (x, y[, z], 1) with the
/// normalized base coordinates -1 + 2i/(L-1) (align_corners) or -1 + (2i+1)/L. Reference only.
/// </summary>
public sealed class AffineGrid : OpDef
{
    public override string OpType => "AffineGrid";

    public override int SinceVersion => 20;

    public override void InferTypes(InferContext ctx)
    {
        var theta = ctx.InputType(0);
        NnData.RequireFloat(ctx, theta.DataType);
        if (ctx.ConstInput(1) is { } size)
        {
            if (size.Length is not (4 or 5))
            {
                throw ctx.Error($"size must have 4 or 5 values, not {size.Length}");
            }
            var s = size.ToLongs();
            ctx.SetOutput(0, theta.DataType, size.Length == 4 ? [s[0], s[2], s[3], 2] : [s[0], s[2], s[3], s[4], 3]);
            return;
        }
        int? r = ctx.InputType(1).Shape is { Length: 1 } ss && ss[0].IsKnown ? (int)ss[0].Value - 2 : null;
        ctx.SetOutput(0, theta.DataType, r is null ? null : [.. Enumerable.Repeat(Dim.Unknown, r.Value + 1), Dim.Of(r.Value)]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var theta = ctx.Input(0);
        var size = ctx.Input(1).ToLongs();
        if (size.Length is not (4 or 5))
        {
            throw ctx.Error($"size must have 4 or 5 values, not {size.Length}");
        }
        int r = size.Length - 2;
        int n = (int)size[0];
        if (theta.Rank != 3 || theta.Shape[0] != n || theta.Shape[1] != r || theta.Shape[2] != r + 1)
        {
            throw ctx.Error($"theta [{string.Join(",", theta.Shape)}] must be [{n}, {r}, {r + 1}]");
        }
        var sp = size[2..].Select(v => checked((int)v)).ToArray();
        bool align = ctx.Int("align_corners", 0) != 0;
        double Base(int i, int len) => align ? (len == 1 ? 0 : -1 + 2.0 * i / (len - 1)) : -1 + (2.0 * i + 1) / len;
        var th = theta.ToDoubles();
        int count = sp.Aggregate(1, (a, b) => a * b);
        var y = new double[n * count * r];
        var st = Tensor.Strides(sp);
        var coord = new double[r + 1];
        for (int b = 0; b < n; b++)
        {
            for (int p = 0; p < count; p++)
            {
                // Coordinates in (x, y[, z]) order: x runs along the last spatial axis.
                for (int k = 0; k < r; k++)
                {
                    int axis = r - 1 - k;
                    coord[k] = Base(p / st[axis] % sp[axis], sp[axis]);
                }
                coord[r] = 1;
                for (int row = 0; row < r; row++)
                {
                    double acc = 0;
                    for (int k = 0; k <= r; k++)
                    {
                        acc += th[(b * r + row) * (r + 1) + k] * coord[k];
                    }
                    y[(b * count + p) * r + row] = acc;
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(theta.DataType, [n, .. sp, r], y));
    }
}
