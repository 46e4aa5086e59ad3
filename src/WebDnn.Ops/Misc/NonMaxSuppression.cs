using WebDnn.Core;

namespace WebDnn.Ops.Misc;

/// <summary>
/// ONNX NonMaxSuppression (opset 10, 11): boxes [B, N, 4] (center_point_box 0: two corners [y1, x1, y2, x2] in any
/// order; 1: [xc, yc, w, h]), scores [B, C, N], optional max_output_boxes_per_class (default 0: select nothing),
/// iou_threshold (default 0) and score_threshold. Per batch and class, boxes with score &gt; score_threshold are taken in
/// descending score order (ties by index) and kept unless their IoU with an already kept box exceeds iou_threshold,
/// up to max_output_boxes_per_class. Output: selected_indices [num_selected, 3] int64 rows (batch, class, box),
/// batch-major then class then selection order. Output size depends on values: reference only.
/// </summary>
public sealed class NonMaxSuppression : OpDef
{
    public override string OpType => "NonMaxSuppression";

    public override int SinceVersion => 10;

    public override void InferTypes(InferContext ctx)
    {
        var b = ctx.InputType(0);
        var s = ctx.InputType(1);
        if (b.Shape is { } bs && (bs.Length != 3 || bs[2].IsKnown && bs[2].Value != 4))
        {
            throw ctx.Error($"boxes must be [B, N, 4], not {b}");
        }
        if (s.Shape is { } ss && ss.Length != 3)
        {
            throw ctx.Error($"scores must be [B, C, N], not {s}");
        }
        ctx.SetOutput(0, DataType.Int64, [Dim.Unknown, Dim.Of(3)]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var boxes = ctx.Input(0);
        var scores = ctx.Input(1);
        if (boxes.Rank != 3 || boxes.Shape[2] != 4 || scores.Rank != 3 || scores.Shape[0] != boxes.Shape[0] || scores.Shape[2] != boxes.Shape[1])
        {
            throw ctx.Error($"boxes [{string.Join(",", boxes.Shape)}] and scores [{string.Join(",", scores.Shape)}] do not fit");
        }
        long maxOut = ctx.OptionalInput(2) is { Length: > 0 } m ? m.GetLong(0) : 0;
        double iouTh = ctx.OptionalInput(3) is { Length: > 0 } it ? it.GetDouble(0) : 0;
        double? scoreTh = ctx.OptionalInput(4) is { Length: > 0 } st ? st.GetDouble(0) : null;
        bool center = ctx.Int("center_point_box", 0) != 0;
        int nb = boxes.Shape[0], n = boxes.Shape[1], nc = scores.Shape[1];
        var bx = boxes.ToDoubles();
        var sc = scores.ToDoubles();
        var result = new List<long>();
        var sel = new List<int>();
        for (int b = 0; b < nb; b++)
        {
            // Normalized [ymin, xmin, ymax, xmax].
            var norm = new double[n * 4];
            for (int i = 0; i < n; i++)
            {
                int o = (b * n + i) * 4;
                if (center)
                {
                    double xc = bx[o], yc = bx[o + 1], w = bx[o + 2], h = bx[o + 3];
                    (norm[i * 4], norm[i * 4 + 1], norm[i * 4 + 2], norm[i * 4 + 3]) = (yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2);
                }
                else
                {
                    (norm[i * 4], norm[i * 4 + 1], norm[i * 4 + 2], norm[i * 4 + 3]) =
                        (Math.Min(bx[o], bx[o + 2]), Math.Min(bx[o + 1], bx[o + 3]), Math.Max(bx[o], bx[o + 2]), Math.Max(bx[o + 1], bx[o + 3]));
                }
            }
            for (int c = 0; c < nc; c++)
            {
                int so = (b * nc + c) * n;
                var order = Enumerable.Range(0, n).Where(i => scoreTh is null || sc[so + i] > scoreTh.Value)
                    .OrderByDescending(i => sc[so + i]).ThenBy(i => i).ToList();
                sel.Clear();
                foreach (var i in order)
                {
                    if (sel.Count >= maxOut)
                    {
                        break;
                    }
                    if (sel.All(j => Iou(norm, i, j) <= iouTh))
                    {
                        sel.Add(i);
                        result.AddRange([b, c, i]);
                    }
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromLongs([result.Count / 3, 3], [.. result]));
    }

    private static double Iou(double[] a, int i, int j)
    {
        double iy1 = Math.Max(a[i * 4], a[j * 4]), ix1 = Math.Max(a[i * 4 + 1], a[j * 4 + 1]);
        double iy2 = Math.Min(a[i * 4 + 2], a[j * 4 + 2]), ix2 = Math.Min(a[i * 4 + 3], a[j * 4 + 3]);
        double inter = Math.Max(0, iy2 - iy1) * Math.Max(0, ix2 - ix1);
        double ai = (a[i * 4 + 2] - a[i * 4]) * (a[i * 4 + 3] - a[i * 4 + 1]);
        double aj = (a[j * 4 + 2] - a[j * 4]) * (a[j * 4 + 3] - a[j * 4 + 1]);
        double uni = ai + aj - inter;
        return ai <= 0 || aj <= 0 || uni <= 0 ? 0 : inter / uni;
    }
}
