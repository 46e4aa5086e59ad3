using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX SpaceToDepth on NCHW with block size b (inverse of DepthToSpace DCR): output [N, C·b², H/b, W/b] with
/// out[n, (i·b + j)·C + c, h, w] = in[n, c, h·b + i, w·b + j]. Lowers to one <see cref="CopyKernel"/> over the
/// output viewed as [N, b, b, C, H/b, W/b], reading the input viewed as [N, C, H/b, b, W/b, b].
/// </summary>
public sealed class SpaceToDepth : OpDef
{
    public override string OpType => "SpaceToDepth";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static int Block(NodeContext ctx)
    {
        long b = ctx.Int("blocksize");
        return b > 0 ? (int)b : throw ctx.Error($"blocksize {b} must be positive");
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        int b = Block(ctx);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, [Dim.Unknown, Dim.Unknown, Dim.Unknown, Dim.Unknown]);
            return;
        }
        if (x.Rank != 4)
        {
            throw ctx.Error($"input must be 4-D, not {x}");
        }
        Dim Div(Dim d) => !d.IsKnown ? Dim.Unknown : d.Value % b == 0 ? Dim.Of(d.Value / b) : throw ctx.Error($"spatial size {d.Value} is not divisible by blocksize {b}");
        var c = x.Shape[1];
        ctx.SetOutput(0, x.DataType, [x.Shape[0], c.IsKnown ? Dim.Of(c.Value * b * b) : Dim.Unknown, Div(x.Shape[2]), Div(x.Shape[3])]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int b = Block(ctx);
        if (x.Rank != 4 || x.Shape[2] % b != 0 || x.Shape[3] % b != 0)
        {
            throw ctx.Error($"input [{string.Join(",", x.Shape)}] must be 4-D with spatial sizes divisible by {b}");
        }
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2] / b, w = x.Shape[3] / b;
        int[] outShape = [n, c * b * b, h, w];
        var index = new int[x.Length];
        TensorOpHelpers.ForEachIndex(outShape, (o, idx) =>
        {
            int blk = idx[1] / c, ch = idx[1] % c, i = blk / b, j = blk % b;
            index[o] = ((idx[0] * c + ch) * h * b + idx[2] * b + i) * w * b + idx[3] * b + j;
        });
        ctx.SetOutput(0, TensorOpHelpers.Take(x, outShape, index));
    }

    public override bool Lower(LowerContext ctx)
    {
        var s = ctx.InputShape(0);
        int b = Block(ctx);
        int n = s[0], c = s[1], h = s[2] / b, w = s[3] / b;
        ctx.Emit(TensorOpHelpers.Copy([n, b, b, c, h, w], [n, c, h, b, w, b], [0, 3, 5, 1, 2, 4], TensorOpHelpers.Fill(6, 1), new int[6])
            with
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
