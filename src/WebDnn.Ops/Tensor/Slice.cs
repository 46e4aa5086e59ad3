using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Slice. Opset &lt; 10: attributes <c>starts</c>, <c>ends</c>, optional <c>axes</c> (step 1). Opset 10+: inputs
/// starts, ends, optional axes and steps (int32 or int64). Per sliced axis of size d: negative start/end add d; with
/// step &gt; 0, start and end are clamped to [0, d]; with step &lt; 0, start to [0, d−1] and end to [−1, d−1]
/// (so INT64_MAX / INT64_MIN mean "to the end"); the length is max(0, ceil((end − start) / step)).
/// Lowers to one <see cref="CopyKernel"/> (InStart = start, InStep = step).
/// </summary>
public sealed class Slice : OpDef
{
    public override string OpType => "Slice";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    /// <summary>Start and length of a slice of an axis of size <paramref name="dim"/>.</summary>
    public static (long Start, long Count) Resolve(long start, long end, long step, long dim)
    {
        if (start < 0)
        {
            start += dim;
        }
        if (end < 0)
        {
            end += dim;
        }
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return (start, end > start ? (end - start + step - 1) / step : 0);
        }
        if (dim == 0)
        {
            return (0, 0);
        }
        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        return (start, start > end ? (start - end - step - 1) / -step : 0);
    }

    private sealed record Spec(long[] Starts, long[] Ends, long[]? Axes, long[]? Steps);

    private static Spec? ReadSpec(NodeContext ctx, Func<int, Tensor?> input)
    {
        if (ctx.Opset < 10)
        {
            return new Spec(ctx.Ints("starts") ?? throw ctx.Error("required attribute 'starts' is missing"),
                ctx.Ints("ends") ?? throw ctx.Error("required attribute 'ends' is missing"), ctx.Ints("axes"), null);
        }
        var starts = input(1);
        var ends = input(2);
        if (starts is null || ends is null || ctx.HasInput(3) && input(3) is null || ctx.HasInput(4) && input(4) is null)
        {
            return null;
        }
        return new Spec(starts.ToLongs(), ends.ToLongs(), input(3)?.ToLongs(), input(4)?.ToLongs());
    }

    /// <summary>Per input axis: (start, step, count); unsliced axes get (0, 1, d); sliced axes of unknown size get count −1.</summary>
    private static (long Start, long Step, long Count)[] Plan(NodeContext ctx, Spec spec, long[] dims, bool[] known)
    {
        int rank = dims.Length;
        int n = spec.Starts.Length;
        if (rank == 0 && n > 0)
        {
            throw ctx.Error("cannot slice a scalar");
        }
        if (spec.Ends.Length != n || spec.Axes is not null && spec.Axes.Length != n || spec.Steps is not null && spec.Steps.Length != n)
        {
            throw ctx.Error("starts, ends, axes and steps must have the same length");
        }
        var plan = dims.Select(d => (0L, 1L, d)).ToArray();
        var seen = new HashSet<int>();
        for (int i = 0; i < n; i++)
        {
            int axis = ctx.Axis(spec.Axes?[i] ?? i, rank);
            if (!seen.Add(axis))
            {
                throw ctx.Error($"axis {axis} is sliced twice");
            }
            long step = spec.Steps?[i] ?? 1;
            if (step == 0)
            {
                throw ctx.Error("step 0 is invalid");
            }
            if (!known[axis])
            {
                plan[axis] = (long.MinValue, step, -1); // sliced, size unknown
                continue;
            }
            var (s, c) = Resolve(spec.Starts[i], spec.Ends[i], step, dims[axis]);
            plan[axis] = (s, step, c);
        }
        return plan;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        var spec = ReadSpec(ctx, ctx.ConstInput);
        if (spec is null)
        {
            // Bounds unknown: only the sliced axes lose their size, when we can tell which they are.
            var axes = ctx.HasInput(3) ? ctx.ConstInput(3)?.ToLongs()
                : ctx.InputType(1).Shape is [{ IsKnown: true } n] ? Enumerable.Range(0, (int)n.Value).Select(a => (long)a).ToArray() : null;
            var sliced = axes?.Select(a => ctx.Axis(a, x.Rank)).ToHashSet();
            ctx.SetOutput(0, x.DataType, x.Shape.Select((d, i) => sliced is null || sliced.Contains(i) ? Dim.Unknown : d).ToArray());
            return;
        }
        var plan = Plan(ctx, spec, x.Shape.Select(d => d.Value).ToArray(), x.Shape.Select(d => d.IsKnown).ToArray());
        ctx.SetOutput(0, x.DataType, plan.Select((p, i) => p.Count >= 0 ? Dim.Of(p.Count) : p.Start == 0 ? x.Shape[i] : Dim.Unknown).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var spec = ReadSpec(ctx, ctx.OptionalInput) ?? throw ctx.Error("starts and ends are required");
        var plan = Plan(ctx, spec, x.Shape.Select(d => (long)d).ToArray(), x.Shape.Select(_ => true).ToArray());
        var outShape = plan.Select(p => (int)p.Count).ToArray();
        var strides = Tensor.Strides(x.Shape);
        int baseOffset = plan.Select((p, i) => (int)p.Start * strides[i]).Sum();
        var stepStrides = plan.Select((p, i) => (int)p.Step * strides[i]).ToArray();
        var index = new int[Tensor.ElementCount(outShape)];
        TensorOpHelpers.ForEachIndex(outShape, (o, idx) => index[o] = baseOffset + TensorOpHelpers.Offset(idx, stepStrides));
        ctx.SetOutput(0, TensorOpHelpers.Take(x, outShape, index));
    }

    public override bool Lower(LowerContext ctx)
    {
        var spec = ReadSpec(ctx, ctx.ConstInput);
        if (spec is null)
        {
            ctx.Unsupported("starts/ends/axes/steps must be constants");
            return false;
        }
        var inShape = ctx.InputShape(0);
        var plan = Plan(ctx, spec, inShape.Select(d => (long)d).ToArray(), inShape.Select(_ => true).ToArray());
        var outShape = ctx.OutputShape(0);
        if (Tensor.ElementCount(outShape) == 0)
        {
            return true;
        }
        int r = inShape.Length;
        ctx.Emit(TensorOpHelpers.Copy(outShape, inShape, TensorOpHelpers.Iota(r), plan.Select(p => (int)p.Step).ToArray(), plan.Select(p => (int)p.Start).ToArray())
            with
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
