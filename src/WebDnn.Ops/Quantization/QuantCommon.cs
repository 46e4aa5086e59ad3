using WebDnn.Core;

namespace WebDnn.Ops.Quantization;

/// <summary>Scale/zero-point indexing and integer ranges shared by the quantization ops.</summary>
internal static class QuantCommon
{
    public static (double Lo, double Hi) Range(NodeContext ctx, DataType t) => t switch
    {
        DataType.UInt8 => (0, 255),
        DataType.Int8 => (-128, 127),
        DataType.UInt16 => (0, 65535),
        DataType.Int16 => (-32768, 32767),
        DataType.Int32 => (int.MinValue, int.MaxValue),
        DataType.UInt32 => (0, uint.MaxValue),
        _ => throw ctx.Error($"quantized type {t} is not supported"),
    };

    /// <summary>
    /// For each element of a tensor of shape <paramref name="shape"/>, the index into the scale tensor: per tensor
    /// (one element), per axis (1-d scale along <paramref name="axisAttr"/>), or blocked (same rank, the axis divided into
    /// blocks of <paramref name="block"/>).
    /// </summary>
    public static int[] ScaleIndex(NodeContext ctx, int[] shape, Tensor scale, long axisAttr, int block)
    {
        int n = (int)Tensor.ElementCount(shape);
        var r = new int[n];
        if (scale.Length == 1 && scale.Rank <= 1 && block == 0)
        {
            return r;
        }
        int axis = ctx.Axis(axisAttr, shape.Length);
        var strides = Tensor.Strides(shape);
        if (block == 0)
        {
            if (scale.Rank != 1 || scale.Length != shape[axis])
            {
                throw ctx.Error($"scale [{string.Join(",", scale.Shape)}] must have {shape[axis]} values along axis {axis}");
            }
            for (int i = 0; i < n; i++)
            {
                r[i] = i / strides[axis] % shape[axis];
            }
            return r;
        }
        if (scale.Rank != shape.Length)
        {
            throw ctx.Error($"blocked scale [{string.Join(",", scale.Shape)}] must have the input's rank {shape.Length}");
        }
        for (int d = 0; d < shape.Length; d++)
        {
            int want = d == axis ? (shape[d] + block - 1) / block : shape[d];
            if (scale.Shape[d] != want)
            {
                throw ctx.Error($"blocked scale [{string.Join(",", scale.Shape)}] does not fit input [{string.Join(",", shape)}] with block_size {block}");
            }
        }
        var ss = Tensor.Strides(scale.Shape);
        for (int i = 0; i < n; i++)
        {
            int off = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                int c = i / strides[d] % shape[d];
                off += (d == axis ? c / block : c) * ss[d];
            }
            r[i] = off;
        }
        return r;
    }

    /// <summary>The raw axis attribute (default 1); normalized only where a per-axis or blocked scale needs it.</summary>
    public static long AxisOf(NodeContext ctx) => ctx.Opset >= 13 ? ctx.Int("axis", 1) : 1;

    public static int BlockOf(NodeContext ctx) => ctx.Opset >= 21 ? checked((int)ctx.Int("block_size", 0)) : 0;
}
