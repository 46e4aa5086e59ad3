namespace WebDnn.Core;

/// <summary>Kinds of node attributes (ONNX AttributeProto types we keep).</summary>
public enum AttributeKind
{
    Float,
    Int,
    String,
    Tensor,
    Graph,
    Floats,
    Ints,
    Strings,
    Tensors,
    Graphs,
    /// <summary>A scalar expression (fused elementwise bodies and epilogues; never from a model file).</summary>
    Expr,
}

/// <summary>One node attribute. Exactly the member matching <see cref="Kind"/> is set.</summary>
public sealed record Attr(string Name, AttributeKind Kind)
{
    public float F { get; init; }

    public long I { get; init; }

    public string S { get; init; } = string.Empty;

    public Tensor? T { get; init; }

    public Graph? G { get; init; }

    public float[] Floats { get; init; } = [];

    public long[] Ints { get; init; } = [];

    public string[] Strings { get; init; } = [];

    public Tensor[] Tensors { get; init; } = [];

    public Graph[] Graphs { get; init; } = [];

    public Kernels.Expr? E { get; init; }

    public static Attr Expression(string name, Kernels.Expr e) => new(name, AttributeKind.Expr) { E = e };

    public static Attr Int(string name, long v) => new(name, AttributeKind.Int) { I = v };

    public static Attr Float(string name, float v) => new(name, AttributeKind.Float) { F = v };

    public static Attr Str(string name, string v) => new(name, AttributeKind.String) { S = v };

    public static Attr IntList(string name, params long[] v) => new(name, AttributeKind.Ints) { Ints = v };

    public static Attr FloatList(string name, params float[] v) => new(name, AttributeKind.Floats) { Floats = v };

    public static Attr Tens(string name, Tensor t) => new(name, AttributeKind.Tensor) { T = t };

    public override string ToString() => Kind switch
    {
        AttributeKind.Float => $"{Name}={F}",
        AttributeKind.Int => $"{Name}={I}",
        AttributeKind.String => $"{Name}=\"{S}\"",
        AttributeKind.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        AttributeKind.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        AttributeKind.Strings => $"{Name}=[{string.Join(",", Strings)}]",
        AttributeKind.Expr => $"{Name}={E}",
        _ => $"{Name}=<{Kind}>",
    };
}
