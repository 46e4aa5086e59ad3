using System.Runtime.InteropServices;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;

namespace WebDnn.Tests.Backends;

/// <summary>Builds small <see cref="KernelProgram"/>s by hand, with seeded random inputs and weights.</summary>
public sealed class ProgramBuilder
{
    private readonly Random _rng = new(42);

    public KernelProgram Program { get; } = new();

    /// <summary>The input values by name, in the kernel element type.</summary>
    public Dictionary<string, Tensor> InputValues { get; } = new(StringComparer.Ordinal);

    private Tensor Values(DataType dt, int[] shape, Func<Random, double> gen)
    {
        var t = Tensor.Zeros(dt, shape);
        for (int i = 0; i < t.Length; i++)
        {
            KernelReference.Store(t, i, gen(_rng));
        }
        return t;
    }

    public KernelBuffer Input(string name, DataType dt, int[] shape, DataType? onnxType = null, Func<Random, double>? gen = null)
    {
        var b = Program.NewBuffer(dt, shape, BufferKind.Input);
        Program.Inputs.Add(new ProgramIO(name, onnxType ?? dt, shape.Select(d => Dim.Of(d)).ToArray(), b));
        gen ??= r => Math.Round(r.NextDouble() * 4 - 2, 3);
        InputValues[name] = Values(dt, shape, gen);
        return b;
    }

    public KernelBuffer Weight(DataType dt, int[] shape, Func<Random, double>? gen = null)
    {
        var b = Program.NewBuffer(dt, shape, BufferKind.Weight);
        gen ??= r => r.NextDouble() * 2 - 1;
        b.Weight = Values(dt, shape, gen);
        return b;
    }

    public KernelBuffer Act(DataType dt, params int[] shape) => Program.NewBuffer(dt, shape, BufferKind.Activation);

    public KernelBuffer Alias(KernelBuffer of, params int[] shape)
    {
        var b = Program.NewBuffer(of.DataType, shape, BufferKind.Activation);
        b.AliasOf = of;
        return b;
    }

    public void Add(Kernel k) => Program.Kernels.Add(k);

    public void Output(string name, KernelBuffer b, DataType? onnxType = null)
    {
        b.Kind = BufferKind.Output;
        Program.Outputs.Add(new ProgramIO(name, onnxType ?? b.DataType, b.Shape.Select(d => Dim.Of(d)).ToArray(), b));
    }

    /// <summary>The inputs as raw tensors for the Node driver (in the ONNX type the manifest declares).</summary>
    public Dictionary<string, RawTensor> RawInputs() => Program.Inputs.ToDictionary(io => io.Name, io => Raw(io.OnnxType, io.KernelBuffer.Shape, InputValues[io.Name].ToDoubles()));

    public static RawTensor Raw(DataType dt, int[] shape, double[] v) => dt switch
    {
        DataType.Float32 => new("f32", shape, MemoryMarshal.AsBytes(v.Select(x => (float)x).ToArray().AsSpan()).ToArray()),
        DataType.Int32 => new("i32", shape, MemoryMarshal.AsBytes(v.Select(x => (int)x).ToArray().AsSpan()).ToArray()),
        DataType.Int64 => new("i64", shape, MemoryMarshal.AsBytes(v.Select(x => (long)x).ToArray().AsSpan()).ToArray()),
        DataType.Bool => new("bool", shape, v.Select(x => x != 0 ? (byte)1 : (byte)0).ToArray()),
        _ => throw new NotSupportedException(dt.ToString()),
    };
}
