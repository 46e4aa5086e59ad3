using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX LpNormalization (opset 1, 22): y = x / (Σ_axis |x|^p)^(1/p) along <c>axis</c> (default -1), p ∈ {1, 2}
/// (default 2). A zero norm gives 0 (not 0/0 = NaN): what ONNX Runtime computes and the ONNX node test
/// test_l2normalization_axis_0 expects. Computed in double. Lowers to a reduce (L1 or L2 over the axis) followed by
/// an elementwise division that selects 0 where the norm is 0.
/// </summary>
public sealed class LpNormalization : OpDef
{
    public override string OpType => "LpNormalization";

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        long p = ctx.Int("p", 2);
        if (p is not (1 or 2))
        {
            throw ctx.Error($"p must be 1 or 2, not {p}");
        }
        if (x.Shape is not null)
        {
            ctx.Axis(ctx.Int("axis", -1), x.Rank);
        }
        ctx.SetOutput(0, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int axis = ctx.Axis(ctx.Int("axis", -1), x.Rank);
        long p = ctx.Int("p", 2);
        int outer = x.Shape[..axis].Aggregate(1, (a, b) => a * b);
        int n = x.Shape[axis];
        int inner = x.Shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        var xv = x.ToDoubles();
        var y = new double[xv.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                double acc = 0;
                for (int k = 0; k < n; k++)
                {
                    double v = xv[b + k * inner];
                    acc += p == 1 ? Math.Abs(v) : v * v;
                }
                double norm = p == 1 ? acc : Math.Sqrt(acc);
                for (int k = 0; k < n; k++)
                {
                    y[b + k * inner] = norm == 0 ? 0 : xv[b + k * inner] / norm;
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, x.Shape, y));
    }

    public override bool Lower(LowerContext ctx)
    {
        var xs = ctx.InputShape(0);
        int axis = ctx.Axis(ctx.Int("axis", -1), xs.Length);
        var f = DataType.Float32;
        var normShape = xs.ToArray();
        normShape[axis] = 1;
        var norm = ctx.Temp(f, normShape);
        var kind = ctx.Int("p", 2) == 1 ? ReduceKind.L1 : ReduceKind.L2;
        ctx.Emit(new ReduceKernel(kind, [axis], false) { Inputs = [ctx.Input(0)], Outputs = [norm] });
        var quotient = Expr.Bin(BinaryOp.Div, Expr.In(0, f), Expr.In(1, f));
        var body = Expr.Select(Expr.Bin(BinaryOp.Equal, Expr.In(1, f), Expr.Const(0, f)), Expr.Const(0, f), quotient);
        ctx.Emit(new ElementwiseKernel(body) { Inputs = [ctx.Input(0), norm], Outputs = [ctx.Output(0)] });
        return true;
    }
}
