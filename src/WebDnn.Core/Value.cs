namespace WebDnn.Core;

/// <summary>
/// An SSA value: produced by one node (or a graph input, or a constant) and read by any number of nodes.
/// </summary>
public sealed class Value
{
    public Value(string name, TensorType? type = null, Tensor? constant = null)
    {
        Name = name;
        Type = type ?? constant?.Type;
        Const = constant;
    }

    /// <summary>The ONNX name (for messages only; never emitted into generated code).</summary>
    public string Name { get; set; }

    /// <summary>Inferred type; null before shape inference has reached this value.</summary>
    public TensorType? Type { get; set; }

    /// <summary>The constant value (initializer or folded constant), if any.</summary>
    public Tensor? Const { get; set; }

    public Node? Producer { get; internal set; }

    public List<Node> Consumers { get; } = [];

    public bool IsConstant => Const is not null;

    public override string ToString() => $"%{Name}:{Type?.ToString() ?? "?"}";
}
