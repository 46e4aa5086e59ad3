using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX RotaryEmbedding (opset 23): X is [B, H, S, D] or [B, S, H·D] (num_heads gives H). The first R dims of each
/// head (rotary_embedding_dim, 0 = D) are rotated: with x1/x2 the two halves (or, interleaved, the even/odd
/// elements) and cos/sin = cos_cache/sin_cache[position_ids[b, s]] ([B, S, R/2] caches when position_ids is absent),
/// x1' = cos·x1 - sin·x2, x2' = sin·x1 + cos·x2; the remaining dims pass through. Computed in double. Reference only.
/// </summary>
public sealed class RotaryEmbedding : OpDef
{
    public override string OpType => "RotaryEmbedding";

    public override int SinceVersion => 23;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        if (x.Shape is not null && x.Rank is not (3 or 4))
        {
            throw ctx.Error($"input must be 3-d or 4-d, not {x.Rank}-d");
        }
        ctx.SetOutput(0, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var xt = ctx.Input(0);
        var cosT = ctx.Input(1);
        var sinT = ctx.Input(2);
        var pos = ctx.OptionalInput(3);
        int b = xt.Shape[0], h, s, d;
        bool four = xt.Rank == 4;
        if (four)
        {
            (h, s, d) = (xt.Shape[1], xt.Shape[2], xt.Shape[3]);
        }
        else if (xt.Rank == 3)
        {
            h = (int)ctx.Int("num_heads", 0);
            if (h <= 0 || xt.Shape[2] % h != 0)
            {
                throw ctx.Error($"3-d input needs num_heads dividing the hidden size {xt.Shape[2]}");
            }
            (s, d) = (xt.Shape[1], xt.Shape[2] / h);
        }
        else
        {
            throw ctx.Error($"input must be 3-d or 4-d, not {xt.Rank}-d");
        }
        int r = (int)ctx.Int("rotary_embedding_dim", 0);
        if (r == 0)
        {
            r = d;
        }
        if (r > d || r % 2 != 0)
        {
            throw ctx.Error($"rotary_embedding_dim {r} must be even and at most the head size {d}");
        }
        int half = r / 2;
        if (cosT.Shape[^1] != half || sinT.Shape[^1] != half)
        {
            throw ctx.Error($"cos/sin caches must end in {half}, not {cosT.Shape[^1]}/{sinT.Shape[^1]}");
        }
        bool inter = ctx.Int("interleaved", 0) != 0;
        var x = xt.ToDoubles();
        var y = (double[])x.Clone();
        var cosV = cosT.ToDoubles();
        var sinV = sinT.ToDoubles();
        for (int bi = 0; bi < b; bi++)
        {
            for (int si = 0; si < s; si++)
            {
                int row;
                if (pos is not null)
                {
                    long pid = pos.GetLong(bi * s + si);
                    if (pid < 0 || pid >= cosT.Shape[0])
                    {
                        throw ctx.Error($"position id {pid} is outside the cache of {cosT.Shape[0]} rows");
                    }
                    row = (int)pid;
                }
                else
                {
                    row = bi * s + si;
                }
                if ((row + 1) * half > cosV.Length)
                {
                    throw ctx.Error("cos/sin caches are too small for the input");
                }
                for (int hi = 0; hi < h; hi++)
                {
                    int o = four ? ((bi * h + hi) * s + si) * d : ((bi * s + si) * h + hi) * d;
                    for (int c = 0; c < half; c++)
                    {
                        int i1 = inter ? o + 2 * c : o + c;
                        int i2 = inter ? o + 2 * c + 1 : o + c + half;
                        double co = cosV[row * half + c], si2 = sinV[row * half + c];
                        y[i1] = co * x[i1] - si2 * x[i2];
                        y[i2] = si2 * x[i1] + co * x[i2];
                    }
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(xt.DataType, xt.Shape, y));
    }
}
