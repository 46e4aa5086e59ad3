using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// Shared axis handling of Softmax, LogSoftmax and Hardmax. Opset &lt; 13: the input is coerced to 2-D
/// [Π d[&lt;axis], Π d[≥axis]] (axis defaults to 1) and the op runs over each row; opset ≥ 13: the op runs along the
/// single axis (default -1). Either way the input is viewed as [Outer, N, Inner] and the op runs over N.
/// </summary>
public abstract class SoftmaxOp : OpDef
{
    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        if (x.Shape is not null)
        {
            ctx.Axis(ctx.Int("axis", ctx.Opset >= 13 ? -1 : 1), x.Rank);
        }
        ctx.SetOutput(0, x);
    }

    /// <summary>The [Outer, N, Inner] view of <paramref name="shape"/>.</summary>
    protected static (int Outer, int N, int Inner) View(NodeContext ctx, int[] shape)
    {
        int rank = shape.Length;
        int axis = ctx.Axis(ctx.Int("axis", ctx.Opset >= 13 ? -1 : 1), rank);
        int outer = 1, n = 1, inner = 1;
        for (int i = 0; i < rank; i++)
        {
            if (i < axis)
            {
                outer *= shape[i];
            }
            else if (i == axis || ctx.Opset < 13)
            {
                n *= shape[i];
            }
            else
            {
                inner *= shape[i];
            }
        }
        return (outer, n, inner);
    }

    /// <summary>Transforms one strided row of <paramref name="n"/> values in place.</summary>
    protected abstract void Row(double[] row, int n);

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var (outer, n, inner) = View(ctx, x.Shape);
        var src = x.ToDoubles();
        var y = new double[src.Length];
        var row = new double[n];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                for (int k = 0; k < n; k++)
                {
                    row[k] = src[b + k * inner];
                }
                Row(row, n);
                for (int k = 0; k < n; k++)
                {
                    y[b + k * inner] = row[k];
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
    }

    /// <summary>Softmax and LogSoftmax: exp(x - max) / Σ exp(x - max), or its log.</summary>
    protected static void SoftmaxRow(double[] row, int n, bool log)
    {
        double max = double.NegativeInfinity;
        for (int k = 0; k < n; k++)
        {
            max = Math.Max(max, row[k]);
        }
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += Math.Exp(row[k] - max);
        }
        for (int k = 0; k < n; k++)
        {
            row[k] = log ? row[k] - max - Math.Log(sum) : Math.Exp(row[k] - max) / sum;
        }
    }

    protected bool LowerSoftmax(LowerContext ctx, bool log)
    {
        var (outer, n, inner) = View(ctx, ctx.InputShape(0));
        ctx.Emit(new SoftmaxKernel(outer, n, inner, log) { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
