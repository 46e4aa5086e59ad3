namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Hardmax (opset 1, 11, 13): 1 at the first maximum of each row, 0 elsewhere; rows as in <see cref="SoftmaxOp"/>
/// (coerced 2-D before opset 13, one axis from 13). NaN compares false, so a leading NaN is never chosen over a number.
/// Reference only (no kernel lowering).
/// </summary>
public sealed class Hardmax : SoftmaxOp
{
    public override string OpType => "Hardmax";

    protected override void Row(double[] row, int n)
    {
        int best = 0;
        for (int k = 1; k < n; k++)
        {
            if (row[k] > row[best] || double.IsNaN(row[best]) && !double.IsNaN(row[k]))
            {
                best = k;
            }
        }
        for (int k = 0; k < n; k++)
        {
            row[k] = k == best ? 1 : 0;
        }
    }
}
