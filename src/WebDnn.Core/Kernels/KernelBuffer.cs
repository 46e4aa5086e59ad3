namespace WebDnn.Core.Kernels;

/// <summary>What a buffer holds, which decides where it lives at run time.</summary>
public enum BufferKind
{
    /// <summary>A graph input, written by the caller of run().</summary>
    Input,
    /// <summary>A graph output, read back after run().</summary>
    Output,
    /// <summary>Constant data shipped in the weight shards.</summary>
    Weight,
    /// <summary>An intermediate activation; placed by the memory planner.</summary>
    Activation,
}

/// <summary>
/// A storage location of the lowered program. Element types after lowering are only f32, i32 and bool
/// (backends need not support anything else); the manifest records the ONNX type of graph inputs/outputs
/// so the runtime converts at the boundary. An alias shares storage with <see cref="AliasOf"/> (reshapes are free).
/// </summary>
public sealed class KernelBuffer
{
    public KernelBuffer(int id, DataType dataType, int[] shape, BufferKind kind)
    {
        Id = id;
        DataType = dataType;
        Shape = shape;
        Kind = kind;
    }

    public int Id { get; }

    public DataType DataType { get; }

    public int[] Shape { get; }

    public BufferKind Kind { get; set; }

    /// <summary>For weights: the data (already converted to <see cref="DataType"/>).</summary>
    public Tensor? Weight { get; set; }

    /// <summary>Non-null when this buffer is a view of another buffer's storage.</summary>
    public KernelBuffer? AliasOf { get; set; }

    /// <summary>For an alias: the element offset of this view in <see cref="AliasOf"/>'s storage (0: a reshape).</summary>
    public long AliasOffset { get; set; }

    /// <summary>Byte offset of this buffer in its root's storage (the alias offsets along the chain).</summary>
    public long RootByteOffset => AliasOf is null ? 0 : AliasOffset * (AliasOf.DataType == DataType.Bool ? 1 : 4) + AliasOf.RootByteOffset;

    /// <summary>The storage owner (follows alias chains).</summary>
    public KernelBuffer Root => AliasOf?.Root ?? this;

    public long Length => Tensor.ElementCount(Shape);

    public long ByteLength => Length * (DataType == DataType.Bool ? 1 : 4);

    public override string ToString() => $"b{Id}:{DataType.ShortName()}[{string.Join(",", Shape)}]{(AliasOf is null ? "" : $"=b{AliasOf.Id}")}";
}
