using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Constant: the output is the tensor given by exactly one attribute: <c>value</c> (opset 1+),
/// <c>value_float</c>, <c>value_floats</c>, <c>value_int</c>, <c>value_ints</c> (opset 12+; scalars are 0-d,
/// lists 1-D, ints are int64). <c>sparse_value</c> and <c>value_string(s)</c> are not supported (exit code 4).
/// Normally folded into a constant before lowering, so it has no lowering of its own.
/// </summary>
public sealed class Constant : OpDef
{
    public override string OpType => "Constant";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Opaque;

    /// <summary>The constant this node produces.</summary>
    public static Tensor Value(NodeContext ctx)
    {
        if (ctx.HasAttr("sparse_value"))
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: sparse constants (sparse_value) are not supported");
        }
        if (ctx.HasAttr("value_string") || ctx.HasAttr("value_strings"))
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: string constants are not supported");
        }
        var found = new List<Tensor>();
        if (ctx.TensorAttr("value") is { } t)
        {
            found.Add(t);
        }
        if (ctx.HasAttr("value_float"))
        {
            found.Add(Tensor.Scalar(ctx.Float("value_float", 0)));
        }
        if (ctx.Floats("value_floats") is { } fs)
        {
            found.Add(Tensor.FromFloats([fs.Length], (float[])fs.Clone()));
        }
        if (ctx.HasAttr("value_int"))
        {
            found.Add(Tensor.ScalarLong(ctx.Int("value_int", 0)));
        }
        if (ctx.Ints("value_ints") is { } ls)
        {
            found.Add(Tensor.FromLongs([ls.Length], (long[])ls.Clone()));
        }
        return found.Count switch
        {
            1 => found[0],
            0 => throw ctx.Error("has none of the attributes value, value_float(s), value_int(s)"),
            _ => throw ctx.Error("has more than one value attribute"),
        };
    }

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, Value(ctx).Type);

    public override void Evaluate(EvalContext ctx) => ctx.SetOutput(0, Value(ctx));
}
