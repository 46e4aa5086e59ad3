using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Concat: joins the inputs along <c>axis</c> (required; negative from opset 11). All other dimensions must
/// match. Lowers to one <see cref="CopyKernel"/> per non-empty input, each writing its block of the output
/// (OutOffset = start along the axis × the output's stride, OutStrides = the output's strides).
/// </summary>
public sealed class Concat : OpDef
{
    public override string OpType => "Concat";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    public override void InferTypes(InferContext ctx)
    {
        var types = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputType).ToArray();
        if (types.Length == 0)
        {
            throw ctx.Error("has no inputs");
        }
        var known = types.Where(t => t.Shape is not null).ToArray();
        if (known.Length == 0)
        {
            ctx.SetOutput(0, types[0].DataType, null);
            return;
        }
        int rank = known[0].Rank;
        int axis = ctx.Axis(ctx.Int("axis"), rank);
        var r = new Dim[rank];
        for (int d = 0; d < rank; d++)
        {
            if (d == axis)
            {
                r[d] = known.Length == types.Length ? TensorOpHelpers.Sum(known.Select(t => t.Shape![d])) : Dim.Unknown;
                continue;
            }
            r[d] = known[0].Shape![d];
            foreach (var t in known)
            {
                if (t.Rank != rank)
                {
                    throw ctx.Error($"inputs have ranks {rank} and {t.Rank}");
                }
                r[d] = TensorOpHelpers.Merge(ctx, r[d], t.Shape![d], $"input dimension {d} differs");
            }
        }
        ctx.SetOutput(0, types[0].DataType, r);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var ins = Enumerable.Range(0, ctx.InputCount).Select(ctx.Input).ToArray();
        int rank = ins[0].Rank;
        int axis = ctx.Axis(ctx.Int("axis"), rank);
        var outShape = (int[])ins[0].Shape.Clone();
        outShape[axis] = 0;
        foreach (var t in ins)
        {
            if (t.Rank != rank || Enumerable.Range(0, rank).Any(d => d != axis && t.Shape[d] != ins[0].Shape[d]))
            {
                throw ctx.Error($"cannot concatenate [{string.Join(",", ins[0].Shape)}] and [{string.Join(",", t.Shape)}] on axis {axis}");
            }
            outShape[axis] += t.Shape[axis];
        }
        var result = Tensor.Zeros(ins[0].DataType, outShape);
        int outer = outShape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = outShape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        int rowOut = outShape[axis] * inner, at = 0;
        foreach (var t in ins)
        {
            int row = t.Shape[axis] * inner;
            for (int o = 0; o < outer; o++)
            {
                Array.Copy(t.Data, o * row, result.Data, o * rowOut + at, row);
            }
            at += row;
        }
        ctx.SetOutput(0, result);
    }

    public override bool Lower(LowerContext ctx)
    {
        var outShape = ctx.OutputShape(0);
        int axis = ctx.Axis(ctx.Int("axis"), outShape.Length);
        var outStrides = Tensor.Strides(outShape);
        int at = 0;
        for (int i = 0; i < ctx.InputCount; i++)
        {
            var s = ctx.InputShape(i);
            if (Tensor.ElementCount(s) > 0)
            {
                int r = s.Length;
                ctx.Emit(TensorOpHelpers.Copy(s, s, TensorOpHelpers.Iota(r), TensorOpHelpers.Fill(r, 1), new int[r], PadMode.None, 0, at * outStrides[axis], outStrides)
                    with
                { Inputs = [ctx.Input(i)], Outputs = [ctx.Output(0)] });
            }
            at += s[axis];
        }
        return true;
    }
}
