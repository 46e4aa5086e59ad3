namespace WebDnn.Core;

/// <summary>One dimension of a shape: a known size or a named symbol (ONNX <c>dim_param</c>), or unknown.</summary>
public readonly record struct Dim(long Value, string? Symbol)
{
    public static Dim Of(long value) => new(value, null);

    public static Dim Sym(string symbol) => new(-1, symbol);

    public static readonly Dim Unknown = new(-1, null);

    public bool IsKnown => Value >= 0;

    public static implicit operator Dim(long value) => Of(value);

    public override string ToString() => IsKnown ? Value.ToString() : Symbol ?? "?";
}
