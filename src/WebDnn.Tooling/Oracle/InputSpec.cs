using WebDnn.Core;

namespace WebDnn.Tooling.Oracle;

/// <summary>What range of values a seeded input should hold (see <see cref="SeededInputs"/>).</summary>
public enum InputDomain
{
    /// <summary>Chosen from the name and type: floats in [-1, 1]; int64 "*mask*" ones, "*token_type*" zeros, other ints token ids in [0, 1000); bools alternate at random.</summary>
    Auto,

    /// <summary>Floats uniform in [-1, 1].</summary>
    Symmetric,

    /// <summary>Image-like floats uniform in [0, 1].</summary>
    Unit,

    /// <summary>Pixel values uniform in [0, 255] (the style-transfer net's <c>content</c>).</summary>
    Pixels255,

    /// <summary>Token ids uniform in [0, 1000).</summary>
    TokenIds,

    /// <summary>All ones (attention masks).</summary>
    Ones,

    /// <summary>All zeros (token type ids of a single segment).</summary>
    Zeros,
}

/// <summary>One model input with a concrete shape and the value range seeded inputs should use.</summary>
public sealed record InputSpec(string Name, DataType DataType, int[] Shape, InputDomain Domain = InputDomain.Auto)
{
    public override string ToString() => $"{Name}: {DataType.ShortName()}[{string.Join(",", Shape)}] {Domain}";
}
