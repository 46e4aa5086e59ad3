using WebDnn.Onnx.Protos;

namespace WebDnn.Tests.Support;

/// <summary>Attribute and value helpers for the models tests build with <see cref="OnnxBuilder"/> (<c>using static</c>).</summary>
internal static class OnnxParts
{
    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    public static AttributeProto Ints(string name, params long[] v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { v } };

    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };

    /// <summary><paramref name="n"/> values uniform in [−1, 1) from a <see cref="Random"/> seeded with <paramref name="seed"/>.</summary>
    public static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
    }
}
