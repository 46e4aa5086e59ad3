using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX DepthToSpace on NCHW with block size b: output [N, C/b², H·b, W·b]. Mode DCR (default):
/// out[n, c, h·b+i, w·b+j] = in[n, (i·b + j)·C/b² + c, h, w]; mode CRD (opset 11+): in[n, c·b² + i·b + j, h, w].
/// Lowers to one <see cref="CopyKernel"/> over the output viewed as [N, C/b², H, b, W, b], reading the input
/// viewed as [N, b, b, C/b², H, W] (DCR) or [N, C/b², b, b, H, W] (CRD).
/// </summary>
public sealed class DepthToSpace : OpDef
{
    public override string OpType => "DepthToSpace";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static (int B, bool Crd) Params(NodeContext ctx)
    {
        long b = ctx.Int("blocksize");
        if (b <= 0)
        {
            throw ctx.Error($"blocksize {b} must be positive");
        }
        string mode = ctx.Opset >= 11 ? ctx.Str("mode", "DCR") : "DCR";
        if (mode is not ("DCR" or "CRD"))
        {
            throw ctx.Error($"unknown mode '{mode}'");
        }
        return ((int)b, mode == "CRD");
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var (b, _) = Params(ctx);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, [Dim.Unknown, Dim.Unknown, Dim.Unknown, Dim.Unknown]);
            return;
        }
        if (x.Rank != 4)
        {
            throw ctx.Error($"input must be 4-D, not {x}");
        }
        var c = x.Shape[1];
        if (c.IsKnown && c.Value % (b * b) != 0)
        {
            throw ctx.Error($"channels {c.Value} are not divisible by blocksize² = {b * b}");
        }
        Dim Mul(Dim d) => d.IsKnown ? Dim.Of(d.Value * b) : Dim.Unknown;
        ctx.SetOutput(0, x.DataType, [x.Shape[0], c.IsKnown ? Dim.Of(c.Value / (b * b)) : Dim.Unknown, Mul(x.Shape[2]), Mul(x.Shape[3])]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var (b, crd) = Params(ctx);
        if (x.Rank != 4 || x.Shape[1] % (b * b) != 0)
        {
            throw ctx.Error($"input [{string.Join(",", x.Shape)}] must be 4-D with channels divisible by {b * b}");
        }
        int n = x.Shape[0], c = x.Shape[1] / (b * b), h = x.Shape[2], w = x.Shape[3];
        int[] outShape = [n, c, h * b, w * b];
        var index = new int[x.Length];
        TensorOpHelpers.ForEachIndex(outShape, (o, idx) =>
        {
            int i = idx[2] % b, j = idx[3] % b;
            int ch = crd ? idx[1] * b * b + i * b + j : (i * b + j) * c + idx[1];
            index[o] = ((idx[0] * c * b * b + ch) * h + idx[2] / b) * w + idx[3] / b;
        });
        ctx.SetOutput(0, TensorOpHelpers.Take(x, outShape, index));
    }

    public override bool Lower(LowerContext ctx)
    {
        var s = ctx.InputShape(0);
        var (b, crd) = Params(ctx);
        int n = s[0], c = s[1] / (b * b), h = s[2], w = s[3];
        int[] iter = [n, c, h, b, w, b];
        int[] inShape = crd ? [n, c, b, b, h, w] : [n, b, b, c, h, w];
        int[] inAxis = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
        ctx.Emit(TensorOpHelpers.Copy(iter, inShape, inAxis, TensorOpHelpers.Fill(6, 1), new int[6])
            with
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
