namespace WebDnn.Core;

/// <summary>Element type plus shape. <see cref="Shape"/> is null when even the rank is unknown.</summary>
public sealed record TensorType(DataType DataType, Dim[]? Shape)
{
    public static TensorType Of(DataType dt, params long[] shape) => new(dt, shape.Select(Dim.Of).ToArray());

    public int Rank => Shape?.Length ?? -1;

    /// <summary>True when every dimension is a known number.</summary>
    public bool IsStatic => Shape is not null && Shape.All(d => d.IsKnown);

    /// <summary>The concrete shape; throws when the shape is not static.</summary>
    public int[] StaticShape()
    {
        if (Shape is null || !IsStatic)
        {
            throw new InvalidOperationException($"shape {this} is not static");
        }
        return Shape.Select(d => checked((int)d.Value)).ToArray();
    }

    public long ElementCount => IsStatic ? Shape!.Aggregate(1L, (a, d) => a * d.Value) : -1;

    public bool Equals(TensorType? other) => other is not null && other.DataType == DataType
        && (Shape is null ? other.Shape is null : other.Shape is not null && Shape.SequenceEqual(other.Shape));

    public override int GetHashCode() => HashCode.Combine(DataType, Rank);

    public override string ToString() => $"{DataType.ShortName()}[{(Shape is null ? "?" : string.Join(",", Shape))}]";
}
