using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Col2Im (opset 18): the inverse of im2col. input [N, C·Πblock, L], image_shape and block_shape (1-d int inputs
/// of length r); attributes dilations, pads ([begin…, end…]), strides. L must equal Π_i ⌊(img_i + pb_i + pe_i -
/// ((block_i-1)·d_i + 1)) / s_i⌋ + 1. Each column value is added to image position l_i·s_i - pb_i + k_i·d_i (sums where
/// blocks overlap; positions in the padding are dropped). Output [N, C, image_shape…]. Reference only.
/// </summary>
public sealed class Col2Im : OpDef
{
    public override string OpType => "Col2Im";

    public override int SinceVersion => 18;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (ctx.ConstInput(1) is { } img && ctx.ConstInput(2) is { } blk && x.Shape is { Length: 3 })
        {
            long k = blk.ToLongs().Aggregate(1L, (a, b) => a * b);
            Dim c = x.Shape[1].IsKnown && k > 0 ? Dim.Of(x.Shape[1].Value / k) : Dim.Unknown;
            ctx.SetOutput(0, x.DataType, [x.Shape[0], c, .. img.ToLongs().Select(Dim.Of)]);
            return;
        }
        var n = ctx.InputType(1).Shape is { Length: 1 } s && s[0].IsKnown ? (int?)s[0].Value : null;
        ctx.SetOutput(0, x.DataType, n is null || x.Shape is null ? null : [x.Shape[0], Dim.Unknown, .. Enumerable.Repeat(Dim.Unknown, n.Value)]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var img = ctx.Input(1).ToLongs().Select(v => checked((int)v)).ToArray();
        var blk = ctx.Input(2).ToLongs().Select(v => checked((int)v)).ToArray();
        int r = img.Length;
        if (blk.Length != r || x.Rank != 3 || img.Any(v => v <= 0) || blk.Any(v => v <= 0))
        {
            throw ctx.Error("image_shape and block_shape must be positive and of equal length; input must be 3-d");
        }
        int[] Attr(string name, int fill, int len) => ctx.Ints(name)?.Select(v => checked((int)v)).ToArray() ?? Enumerable.Repeat(fill, len).ToArray();
        var dil = Attr("dilations", 1, r);
        var pads = Attr("pads", 0, 2 * r);
        var str = Attr("strides", 1, r);
        if (dil.Length != r || pads.Length != 2 * r || str.Length != r)
        {
            throw ctx.Error("dilations/pads/strides do not match the number of spatial dims");
        }
        int k = blk.Aggregate(1, (a, b) => a * b);
        int n = x.Shape[0];
        if (x.Shape[1] % k != 0)
        {
            throw ctx.Error($"input channels {x.Shape[1]} are not a multiple of the block size {k}");
        }
        int c = x.Shape[1] / k;
        var grid = new int[r];
        for (int i = 0; i < r; i++)
        {
            grid[i] = (img[i] + pads[i] + pads[i + r] - ((blk[i] - 1) * dil[i] + 1)) / str[i] + 1;
        }
        int l = grid.Aggregate(1, (a, b) => a * b);
        if (l != x.Shape[2])
        {
            throw ctx.Error($"input has {x.Shape[2]} blocks but the image and block shapes give {l}");
        }
        int imgSize = img.Aggregate(1, (a, b) => a * b);
        var xv = x.ToDoubles();
        var y = new double[n * c * imgSize];
        var ks = Tensor.Strides(blk);
        var ls = Tensor.Strides(grid);
        var isd = Tensor.Strides(img);
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int kk = 0; kk < k; kk++)
                {
                    for (int li = 0; li < l; li++)
                    {
                        int off = 0;
                        bool inside = true;
                        for (int i = 0; i < r; i++)
                        {
                            int p = li / ls[i] % grid[i] * str[i] - pads[i] + kk / ks[i] % blk[i] * dil[i];
                            if (p < 0 || p >= img[i])
                            {
                                inside = false;
                                break;
                            }
                            off += p * isd[i];
                        }
                        if (inside)
                        {
                            y[(b * c + ch) * imgSize + off] += xv[((b * c + ch) * k + kk) * l + li];
                        }
                    }
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, [n, c, .. img], y));
    }
}
