using WebDnn.Core;
using WebDnn.Ops.Nn;

namespace WebDnn.Ops.Misc;

/// <summary>
/// ONNX Det (opset 11, 22): determinants of the square matrices in the last two axes of X [*, M, M] → [*], by LU
/// decomposition with partial pivoting in double. Reference only.
/// </summary>
public sealed class Det : OpDef
{
    public override string OpType => "Det";

    public override int SinceVersion => 11;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        if (x.Rank < 2 || x.Shape[^1].IsKnown && x.Shape[^2].IsKnown && x.Shape[^1] != x.Shape[^2])
        {
            throw ctx.Error($"input must be [*, M, M], not {x}");
        }
        ctx.SetOutput(0, x.DataType, x.Shape[..^2]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank < 2 || x.Shape[^1] != x.Shape[^2])
        {
            throw ctx.Error($"input must be [*, M, M], not [{string.Join(",", x.Shape)}]");
        }
        int m = x.Shape[^1];
        int count = x.Shape[..^2].Aggregate(1, (a, b) => a * b);
        var v = x.ToDoubles();
        var r = new double[count];
        var a = new double[m * m];
        for (int b = 0; b < count; b++)
        {
            Array.Copy(v, b * m * m, a, 0, m * m);
            double det = 1;
            for (int c = 0; c < m && det != 0; c++)
            {
                int p = c;
                for (int i = c + 1; i < m; i++)
                {
                    if (Math.Abs(a[i * m + c]) > Math.Abs(a[p * m + c]))
                    {
                        p = i;
                    }
                }
                if (a[p * m + c] == 0)
                {
                    det = 0;
                    break;
                }
                if (p != c)
                {
                    for (int j = 0; j < m; j++)
                    {
                        (a[p * m + j], a[c * m + j]) = (a[c * m + j], a[p * m + j]);
                    }
                    det = -det;
                }
                det *= a[c * m + c];
                for (int i = c + 1; i < m; i++)
                {
                    double f = a[i * m + c] / a[c * m + c];
                    for (int j = c; j < m; j++)
                    {
                        a[i * m + j] -= f * a[c * m + j];
                    }
                }
            }
            r[b] = det;
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape[..^2], r));
    }
}
