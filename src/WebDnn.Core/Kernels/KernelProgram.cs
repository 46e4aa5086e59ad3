namespace WebDnn.Core.Kernels;

/// <summary>A graph input or output of the lowered program: public name, ONNX dtype and shape, and its buffer.</summary>
public sealed record ProgramIO(string Name, DataType OnnxType, Dim[] Shape, KernelBuffer KernelBuffer);

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
}
