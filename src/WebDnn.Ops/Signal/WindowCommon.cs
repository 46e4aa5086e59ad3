using WebDnn.Core;

namespace WebDnn.Ops.Signal;

/// <summary>Shared by the window generators (HannWindow, HammingWindow, BlackmanWindow).</summary>
internal static class WindowCommon
{
    private static DataType OutType(NodeContext ctx) => (DataType)ctx.Int("output_datatype", 1);

    public static void Infer(InferContext ctx)
    {
        var dt = OutType(ctx);
        if (!dt.IsFloat() && !dt.IsInteger())
        {
            throw ctx.Error($"output_datatype {dt} is not numeric");
        }
        var size = ctx.ConstInput(0);
        ctx.SetOutput(0, dt, [size is { Length: 1 } s ? Dim.Of(s.GetLong(0)) : Dim.Unknown]);
    }

    public static void Evaluate(EvalContext ctx, Func<int, double, double> f)
    {
        long size = ctx.Input(0).GetLong(0);
        if (size < 0 || size > Tensor.MaxElements)
        {
            throw ctx.Error($"window size {size} is out of range");
        }
        double n = ctx.Int("periodic", 1) != 0 ? size : size - 1;
        var w = new double[size];
        for (int k = 0; k < size; k++)
        {
            w[k] = f(k, n);
        }
        ctx.SetOutput(0, Tensor.FromDoubles(OutType(ctx), [(int)size], w));
    }
}
