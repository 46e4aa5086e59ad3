namespace WebDnn.Core;

/// <summary>
/// One operator application. <see cref="Inputs"/> may hold nulls for omitted optional inputs.
/// Use <see cref="Graph"/> methods to rewire nodes so producer/consumer links stay consistent.
/// </summary>
public sealed class Node
{
    public Node(string opType, string name, string domain = "")
    {
        OpType = opType;
        Name = name;
        Domain = domain;
    }

    public string OpType { get; set; }

    /// <summary>"" for ai.onnx, "com.webdnn" for our fused ops.</summary>
    public string Domain { get; set; }

    public string Name { get; set; }

    /// <summary>The opset version that applies to this node's domain.</summary>
    public int Opset { get; set; }

    public List<Value?> Inputs { get; } = [];

    public List<Value> Outputs { get; } = [];

    /// <summary>Outer-scope values read by this node's subgraphs (If/Loop/Scan bodies).</summary>
    public List<Value> ImplicitInputs { get; } = [];

    public Dictionary<string, Attr> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Names of the model's nodes a fusion pass replaced by this one (empty for an original node); for messages.</summary>
    public List<string> FusedFrom { get; } = [];

    public Value? Input(int i) => i < Inputs.Count ? Inputs[i] : null;

    public bool HasAttribute(string name) => Attributes.ContainsKey(name);

    public void SetAttribute(Attr a) => Attributes[a.Name] = a;

    /// <summary>Human-readable reference for error messages: op type and node name.</summary>
    /// <remarks>Control characters in the op type or name are escaped (<see cref="Display"/>): messages reach terminals.</remarks>
    public string Describe() => string.IsNullOrEmpty(Name) ? $"{Display.Escape(OpType)} node" : $"{Display.Escape(OpType)} node {Display.Quote(Name)}";

    public override string ToString() => $"{Describe()}({string.Join(", ", Inputs.Select(v => v?.Name ?? "_"))}) -> {string.Join(", ", Outputs.Select(v => v.Name))}";
}
