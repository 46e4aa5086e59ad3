using WebDnn.Core;

namespace WebDnn.Ops;

/// <summary>Shape and type inference for one node.</summary>
public sealed class InferContext : NodeContext
{
    public InferContext(Node node) : base(node) { }

    /// <summary>Type of input <paramref name="i"/>; throws a model error when the input is absent or untyped.</summary>
    public TensorType InputType(int i)
    {
        var v = Node.Input(i) ?? throw Error($"input {i} is required but missing");
        return v.Type ?? throw Error($"the type of input {Display.Quote(v.Name)} is unknown");
    }

    public TensorType? OptionalInputType(int i) => Node.Input(i)?.Type;

    /// <summary>The constant value of input <paramref name="i"/> if it is known at compile time.</summary>
    public Tensor? ConstInput(int i) => Node.Input(i)?.Const;

    public void SetOutput(int i, TensorType type)
    {
        if (i < Node.Outputs.Count)
        {
            if (type.Shape is not null)
            {
                foreach (var d in type.Shape)
                {
                    if (d.Value > Tensor.MaxElements)
                    {
                        throw Error($"output {i} would have dimension {d.Value}, which is absurd");
                    }
                }
                if (type.IsStatic && type.Shape.Aggregate(1.0, (a, d) => a * d.Value) > Tensor.MaxElements)
                {
                    throw Error($"output {i} would have shape {type}, more than {Tensor.MaxElements} elements");
                }
            }
            Node.Outputs[i].Type = type;
        }
    }

    public void SetOutput(int i, DataType dt, Dim[]? shape) => SetOutput(i, new TensorType(dt, shape));
}
