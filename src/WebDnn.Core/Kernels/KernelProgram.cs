namespace WebDnn.Core.Kernels;

/// <summary>A graph input or output of the lowered program: public name, ONNX dtype and shape, and its buffer.</summary>
public sealed record ProgramIO(string Name, DataType OnnxType, Dim[] Shape, KernelBuffer KernelBuffer)
{
    /// <summary>
    /// For int64/uint32/uint64 inputs whose arithmetic is exact in 32 bits only for smaller values: the largest |value|
    /// the runtime accepts (null: the buffer's full int32 range). Set by the lowering's integer range analysis.
    /// </summary>
    public long? MaxAbs { get; init; }
}

/// <summary>The lowered model: buffers and primitive kernels in execution order.</summary>
public sealed class KernelProgram
{
    public List<KernelBuffer> Buffers { get; } = [];

    public List<Kernel> Kernels { get; } = [];

    public List<ProgramIO> Inputs { get; } = [];

    public List<ProgramIO> Outputs { get; } = [];

    public KernelBuffer NewBuffer(DataType dt, int[] shape, BufferKind kind)
    {
        var b = new KernelBuffer(Buffers.Count, dt, shape, kind);
        Buffers.Add(b);
        return b;
    }

    public long TotalFlops => Kernels.Sum(k => k.Flops);

    /// <summary>
    /// A copy whose buffers and kernel list can be changed without touching this program (per-target kernel stages).
    /// Weight data is shared, not copied: a stage that repacks a weight gives the buffer a new tensor.
    /// </summary>
    public KernelProgram Clone() => Copy(compact: false);

    /// <summary>A copy without the buffers no kernel, input or output uses (ids renumbered densely, order kept).</summary>
    public KernelProgram Compact() => Copy(compact: true);

    private KernelProgram Copy(bool compact)
    {
        var used = new HashSet<KernelBuffer>();
        void Use(KernelBuffer b)
        {
            for (var x = b; x is not null && used.Add(x); x = x.AliasOf)
            {
            }
        }
        foreach (var b in Kernels.SelectMany(k => k.Inputs.Concat(k.Outputs)).Concat(Inputs.Concat(Outputs).Select(io => io.KernelBuffer)))
        {
            Use(b);
        }
        var copy = new KernelProgram();
        var map = new Dictionary<KernelBuffer, KernelBuffer>();
        foreach (var b in Buffers.Where(b => !compact || used.Contains(b)))
        {
            map[b] = copy.NewBuffer(b.DataType, b.Shape, b.Kind);
            map[b].Weight = b.Weight;
        }
        foreach (var (b, c) in map.Where(kv => kv.Key.AliasOf is not null))
        {
            c.AliasOf = map[b.AliasOf!];
            c.AliasOffset = b.AliasOffset;
        }
        KernelBuffer Map(KernelBuffer b) => map[b];
        foreach (var k in Kernels)
        {
            copy.Kernels.Add(k with { Inputs = [.. k.Inputs.Select(Map)], Outputs = [.. k.Outputs.Select(Map)] });
        }
        copy.Inputs.AddRange(Inputs.Select(io => io with { KernelBuffer = Map(io.KernelBuffer) }));
        copy.Outputs.AddRange(Outputs.Select(io => io with { KernelBuffer = Map(io.KernelBuffer) }));
        return copy;
    }
}
