using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX NonZero (opset 9): int64 [rank, nnz] with the coordinates of the non-zero elements in row-major order
/// (numpy nonzero; a scalar is treated as 1-D). The output size depends on the data, so there is no lowering.
/// </summary>
public sealed class NonZero : OpDef
{
    public override string OpType => "NonZero";

    public override int SinceVersion => 9;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        ctx.SetOutput(0, DataType.Int64, [x.Shape is null ? Dim.Unknown : Dim.Of(Math.Max(x.Rank, 1)), Dim.Unknown]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var shape = x.Rank == 0 ? [1] : x.Shape;
        var hits = new List<int[]>();
        TensorOpHelpers.ForEachIndex(shape, (o, idx) =>
        {
            if (x.GetDouble(o) != 0)
            {
                hits.Add((int[])idx.Clone());
            }
        });
        int rank = shape.Length, nnz = hits.Count;
        var r = new long[rank * nnz];
        for (int k = 0; k < nnz; k++)
        {
            for (int d = 0; d < rank; d++)
            {
                r[d * nnz + k] = hits[k][d];
            }
        }
        ctx.SetOutput(0, Tensor.FromLongs([rank, nnz], r));
    }
}
