using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Split along <c>axis</c> (default 0, negative from opset 11). Part sizes come from the <c>split</c> attribute
/// (opset &lt; 13) or the optional int64 input 1 (opset 13+); otherwise the axis is cut into n parts of
/// ceil(d / n) with a smaller last part, n being <c>num_outputs</c> (opset 18+) or the number of outputs.
/// Lowers to one <see cref="CopyKernel"/> per output, reading the input from InStart = part offset.
/// </summary>
public sealed class Split : OpDef
{
    public override string OpType => "Split";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static long[]? SplitSpec(NodeContext ctx, Func<int, Tensor?> input) =>
        ctx.Opset >= 13 ? input(1)?.ToLongs() : ctx.Ints("split");

    private static long[] Sizes(NodeContext ctx, long[]? spec, long dim)
    {
        int n = ctx.OutputCount;
        if (spec is not null)
        {
            if (spec.Length != n)
            {
                throw ctx.Error($"split has {spec.Length} entries but the node has {n} outputs");
            }
            if (spec.Any(s => s < 0) || spec.Sum() != dim)
            {
                throw ctx.Error($"split [{string.Join(",", spec)}] does not add up to the axis size {dim}");
            }
            return spec;
        }
        if (ctx.Opset >= 18 && ctx.HasAttr("num_outputs") && ctx.Int("num_outputs") != n)
        {
            throw ctx.Error($"num_outputs is {ctx.Int("num_outputs")} but the node has {n} outputs");
        }
        long chunk = (dim + n - 1) / n;
        return Enumerable.Range(0, n).Select(i => Math.Clamp(dim - chunk * i, 0, chunk)).ToArray();
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is { Length: 0 } || ctx.OutputCount == 0)
        {
            throw ctx.Error(ctx.OutputCount == 0 ? "has no outputs" : "cannot split a scalar");
        }
        if (x.Shape is null)
        {
            for (int i = 0; i < ctx.OutputCount; i++)
            {
                ctx.SetOutput(i, x.DataType, null);
            }
            return;
        }
        int axis = ctx.Axis(ctx.Int("axis", 0), x.Rank);
        bool specGiven = ctx.Opset >= 13 ? ctx.HasInput(1) : ctx.HasAttr("split");
        var spec = SplitSpec(ctx, ctx.ConstInput);
        var dim = x.Shape[axis];
        long[]? sizes = spec is not null ? Sizes(ctx, spec, spec.Sum()) : !specGiven && dim.IsKnown ? Sizes(ctx, null, dim.Value) : null;
        if (spec is not null && dim.IsKnown && spec.Sum() != dim.Value)
        {
            throw ctx.Error($"split [{string.Join(",", spec)}] does not add up to the axis size {dim.Value}");
        }
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var s = (Dim[])x.Shape.Clone();
            s[axis] = sizes is null ? Dim.Unknown : Dim.Of(sizes[i]);
            ctx.SetOutput(i, x.DataType, s);
        }
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int axis = ctx.Axis(ctx.Int("axis", 0), x.Rank);
        var sizes = Sizes(ctx, SplitSpec(ctx, ctx.OptionalInput), x.Shape[axis]);
        int outer = x.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = x.Shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        int rowIn = x.Shape[axis] * inner, at = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            var s = (int[])x.Shape.Clone();
            s[axis] = (int)sizes[i];
            var t = Tensor.Zeros(x.DataType, s);
            int row = s[axis] * inner;
            for (int o = 0; o < outer; o++)
            {
                Array.Copy(x.Data, o * rowIn + at, t.Data, o * row, row);
            }
            at += row;
            ctx.SetOutput(i, t);
        }
    }

    public override bool Lower(LowerContext ctx)
    {
        var inShape = ctx.InputShape(0);
        int r = inShape.Length;
        int axis = ctx.Axis(ctx.Int("axis", 0), r);
        int at = 0;
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var s = ctx.OutputShape(i);
            var start = new int[r];
            start[axis] = at;
            if (Tensor.ElementCount(s) > 0)
            {
                ctx.Emit(TensorOpHelpers.Copy(s, inShape, TensorOpHelpers.Iota(r), TensorOpHelpers.Fill(r, 1), start)
                    with
                { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(i)] });
            }
            at += s[axis];
        }
        return true;
    }
}
