using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Unsqueeze: inserts size-1 axes at the listed positions of the output (attribute <c>axes</c> before opset 13,
/// required int64 input 1 from opset 13; negative axes count from the end of the output rank, opset 11+).
/// Axes may come in any order but not repeat. Lowers to an alias.
/// </summary>
public sealed class Unsqueeze : OpDef
{
    public override string OpType => "Unsqueeze";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static long[]? AxesSpec(NodeContext ctx, Func<int, Tensor?> input) =>
        ctx.Opset >= 13 ? input(1)?.ToLongs() : ctx.Ints("axes") ?? throw ctx.Error("required attribute 'axes' is missing");

    /// <summary>The output shape: <paramref name="input"/> with 1s inserted at <paramref name="axes"/>.</summary>
    public static Dim[] Insert(NodeContext ctx, Dim[] input, long[] axes)
    {
        int rank = input.Length + axes.Length;
        var ones = new HashSet<int>();
        foreach (var a in axes)
        {
            if (!ones.Add(ctx.Axis(a, rank)))
            {
                throw ctx.Error($"axis {a} is listed twice");
            }
        }
        var r = new Dim[rank];
        int k = 0;
        for (int i = 0; i < rank; i++)
        {
            r[i] = ones.Contains(i) ? Dim.Of(1) : input[k++];
        }
        return r;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var axes = AxesSpec(ctx, ctx.ConstInput);
        if (x.Shape is null || axes is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        ctx.SetOutput(0, x.DataType, Insert(ctx, x.Shape, axes));
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var axes = AxesSpec(ctx, ctx.OptionalInput) ?? throw ctx.Error("input 1 (axes) is required");
        ctx.SetOutput(0, x.Reshape(Insert(ctx, Shapes.ToDims(x.Shape), axes).Select(d => (int)d.Value).ToArray()));
    }

    public override bool Lower(LowerContext ctx)
    {
        ctx.Alias(0, ctx.Input(0));
        return true;
    }
}
