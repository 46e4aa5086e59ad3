using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Dropout in inference mode: output = input and the optional mask output is all true (all ones of the input
/// type in opset 7–9, bool from opset 10). Opset &lt; 12 reads the `ratio` attribute, opset 12+ the optional ratio and
/// training_mode inputs; both are ignored except that training_mode = true (random dropping) is unsupported unless
/// ratio is 0, where training mode is the identity as well.
/// </summary>
public sealed class Dropout : ElementwiseOp
{
    public override string OpType => "Dropout";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.ElementWise;

    protected override bool IsFoldedInput(NodeContext ctx, int index) => index > 0;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        CheckInference(ctx, constInput);
        return Expr.In(0, types[0]);
    }

    private DataType MaskType(NodeContext ctx, DataType input) => ctx.Opset < 10 ? input : DataType.Bool;

    public override void InferTypes(InferContext ctx)
    {
        base.InferTypes(ctx);
        var t = ctx.InputType(0);
        if (ctx.OutputCount > 1)
        {
            ctx.SetOutput(1, MaskType(ctx, t.DataType), t.Shape);
        }
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        CheckInference(ctx, ctx.OptionalInput);
        ctx.SetOutput(0, x);
        if (ctx.OutputCount > 1)
        {
            var mask = Tensor.Zeros(MaskType(ctx, x.DataType), x.Shape);
            for (int i = 0; i < mask.Length; i++)
            {
                mask.SetDouble(i, 1);
            }
            ctx.SetOutput(1, mask);
        }
    }

    public override bool Lower(LowerContext ctx)
    {
        CheckInference(ctx, ctx.ConstInput);
        var x = ctx.Input(0);
        ctx.Alias(0, x);
        if (ctx.OutputCount > 1)
        {
            var mask = ctx.Output(1);
            ctx.Emit(new ElementwiseKernel(Expr.Const(1, mask.DataType)) { Inputs = [x], Outputs = [mask] });
        }
        return true;
    }

    /// <summary>Throws when training_mode is (or may be, for a non-constant input in lowering) true with a non-zero ratio.</summary>
    private static void CheckInference(NodeContext ctx, Func<int, Tensor?> constInput)
    {
        if (ctx.Opset < 12 || !ctx.HasInput(2))
        {
            return;
        }
        var training = constInput(2);
        if (training is null)
        {
            if (ctx is LowerContext)
            {
                throw new UnsupportedModelException($"{ctx.Node.Describe()}: training_mode must be a constant to compile Dropout");
            }
            return;
        }
        if (training.Length != 1)
        {
            throw ctx.Error("training_mode must be a scalar");
        }
        double ratio = ctx.HasInput(1) ? constInput(1)?.GetDouble(0) ?? double.NaN : 0.5;
        if (training.GetDouble(0) != 0 && ratio != 0)
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: Dropout in training mode (random dropping) is not supported; export the model for inference");
        }
    }
}
