using WebDnn.Core;

namespace WebDnn.Ops.Misc;

/// <summary>
/// ONNX CenterCropPad (opset 18): brings each axis in <c>axes</c> (default all) to the size given by the int input
/// <c>shape</c>, keeping the center: a larger axis is cropped from offset ⌊(d - s)/2⌋, a smaller one is zero-padded with
/// ⌊(s - d)/2⌋ elements before. Reference only.
/// </summary>
public sealed class CenterCropPad : OpDef
{
    public override string OpType => "CenterCropPad";

    public override int SinceVersion => 18;

    private static int[] Axes(NodeContext ctx, int rank, int count)
    {
        var axes = ctx.Ints("axes")?.Select(a => ctx.Axis(a, rank)).ToArray() ?? Enumerable.Range(0, rank).ToArray();
        if (axes.Length != count)
        {
            throw ctx.Error($"shape has {count} values for {axes.Length} axes");
        }
        return axes;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        var shape = x.Shape.ToArray();
        if (ctx.ConstInput(1) is { } s)
        {
            var axes = Axes(ctx, x.Rank, s.Length);
            for (int i = 0; i < axes.Length; i++)
            {
                shape[axes[i]] = Dim.Of(s.GetLong(i));
            }
        }
        else
        {
            var axes = ctx.Ints("axes")?.Select(a => ctx.Axis(a, x.Rank)).ToArray() ?? Enumerable.Range(0, x.Rank).ToArray();
            foreach (var a in axes)
            {
                shape[a] = Dim.Unknown;
            }
        }
        ctx.SetOutput(0, x.DataType, shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var s = ctx.Input(1);
        var axes = Axes(ctx, x.Rank, s.Length);
        var outShape = x.Shape.ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            long v = s.GetLong(i);
            if (v < 0 || v > int.MaxValue)
            {
                throw ctx.Error($"target size {v} is out of range");
            }
            outShape[axes[i]] = (int)v;
        }
        var y = Tensor.Zeros(x.DataType, outShape);
        // Offset of output coordinate → input coordinate per axis (input = output + shift).
        var shift = new int[x.Rank];
        for (int d = 0; d < x.Rank; d++)
        {
            shift[d] = outShape[d] <= x.Shape[d] ? (x.Shape[d] - outShape[d]) / 2 : -((outShape[d] - x.Shape[d]) / 2);
        }
        var xs = Tensor.Strides(x.Shape);
        var ys = Tensor.Strides(outShape);
        for (int o = 0; o < y.Length; o++)
        {
            int off = 0;
            bool inside = true;
            for (int d = 0; d < x.Rank; d++)
            {
                int c = o / ys[d] % outShape[d] + shift[d];
                if (c < 0 || c >= x.Shape[d])
                {
                    inside = false;
                    break;
                }
                off += c * xs[d];
            }
            if (inside)
            {
                Array.Copy(x.Data, off, y.Data, o, 1);
            }
        }
        ctx.SetOutput(0, y);
    }
}
