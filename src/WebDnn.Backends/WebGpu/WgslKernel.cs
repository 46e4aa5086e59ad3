using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu;

/// <summary>
/// One kernel's shader being written: its bindings (inputs x0.., then outputs y0.., in the manifest's order), element
/// loads (bool buffers hold one byte per element, read as packed u32 words), and the dispatch size the emitter sets.
/// </summary>
internal sealed class WgslKernel
{
    /// <summary>Invocations per workgroup of the one-dimensional kernels.</summary>
    public const int Threads = 256;

    /// <summary>Most workgroups along one dispatch dimension (WebGPU's guaranteed maxComputeWorkgroupsPerDimension).</summary>
    public const int MaxGroups = 65535;

    public WgslKernel(Kernel kernel)
    {
        Kernel = kernel;
        foreach (var b in kernel.Inputs.Concat(kernel.Outputs))
        {
            if (b.Length > int.MaxValue)
            {
                throw new UnsupportedModelException($"webgpu backend: buffer of {b.Length} elements (from {kernel.Origin}) exceeds 32-bit indexing");
            }
        }
        // One binding per storage (root buffer), in order of first use: WebGPU refuses two bindings of one range when
        // either is writable, and a kernel may read one buffer twice (x + x) or through an alias. The runtime groups the
        // manifest's inputs and outputs the same way and binds each group from the 256-byte boundary at or below its
        // lowest view (views of a concat output start at any element): each view is indexed from its element base there.
        var all = kernel.Inputs.Concat(kernel.Outputs).ToList();
        var firstOf = new Dictionary<int, int>();
        var group = new int[all.Count];
        _names = new string[all.Count];
        _bases = new long[all.Count];
        for (int i = 0; i < all.Count; i++)
        {
            var b = all[i];
            if (firstOf.TryGetValue(b.Root.Id, out int f) && all[f].DataType == b.DataType)
            {
                _names[i] = _names[f];
                group[i] = f;
                continue;
            }
            firstOf[b.Root.Id] = i;
            group[i] = i;
            _names[i] = $"b{Bindings}";
            bool writable = i >= kernel.Inputs.Length || b.Root.Kind != BufferKind.Weight;
            Bind(_names[i], b, writable ? WgslAccess.ReadWrite : WgslAccess.Read);
            Bindings++;
        }
        for (int i = 0; i < all.Count; i++)
        {
            long start = Enumerable.Range(0, all.Count).Where(j => group[j] == group[i]).Min(j => all[j].RootByteOffset) / BindingAlignment * BindingAlignment;
            long bytes = all[i].RootByteOffset - start;
            if (bytes != 0 && (all[i].DataType == DataType.Bool || bytes % 4 != 0))
            {
                throw new NotSupportedException($"a {all[i].DataType} view at byte {all[i].RootByteOffset} of its storage");
            }
            _bases[i] = bytes / 4;
        }
    }

    /// <summary>WebGPU's minStorageBufferOffsetAlignment: where the runtime starts a binding.</summary>
    public const int BindingAlignment = 256;

    private readonly long[] _bases;

    private readonly string[] _names;

    /// <summary>Storage bindings of this shader (distinct buffers of the kernel).</summary>
    public int Bindings { get; private set; }

    public Kernel Kernel { get; }

    public WgslWriter W { get; } = new();

    /// <summary>Workgroup counts (x, y, z).</summary>
    public int[] Dispatch { get; set; } = [1, 1, 1];

    /// <summary>A second dispatch of the same kernel (split-K's reduction): its shader, workgroup counts and the scratch bytes both bind last.</summary>
    public sealed record Stage(string Shader, int[] Dispatch, long ScratchBytes);

    /// <summary>Set when the kernel runs as two dispatches sharing a scratch buffer.</summary>
    public Stage? Second { get; set; }

    /// <summary>The storage variable input <paramref name="i"/> is read from.</summary>
    public string In(int i) => _names[i];

    /// <summary>The storage variable output <paramref name="i"/> is written to.</summary>
    public string Out(int i) => _names[Kernel.Inputs.Length + i];

    /// <summary>The WGSL value type of an element type: f32, i32 or bool.</summary>
    public static string ValueType(DataType t) => t switch
    {
        DataType.Float32 => "f32",
        DataType.Int32 => "i32",
        DataType.Bool => "bool",
        _ => throw new UnsupportedModelException($"webgpu backend: element type {t} (lowering emits f32, i32 and bool)"),
    };

    /// <summary>The value of input <paramref name="i"/> at element index <paramref name="idx"/> (an i32 expression).</summary>
    public string Load(int i, string idx) => Kernel.Inputs[i].DataType == DataType.Bool ? $"ldb_{In(i)}({idx})" : $"{In(i)}[{At(i, idx)}]";

    /// <summary>The element of output <paramref name="o"/> at index <paramref name="idx"/>, to assign (f32 and i32 outputs).</summary>
    public string OutAt(int o, string idx) => $"{Out(o)}[{At(Kernel.Inputs.Length + o, idx)}]";

    /// <summary>An index into the binding of buffer <paramref name="i"/> (inputs then outputs): its element base added.</summary>
    private string At(int i, string idx) => _bases[i] == 0 ? idx : $"{WgslWriter.I32(_bases[i])} + ({idx})";

    /// <summary>Workgroups for <paramref name="items"/> items, <paramref name="perGroup"/> per workgroup, capped (kernels loop grid-stride).</summary>
    public static int Groups(long items, long perGroup = Threads) => (int)Math.Clamp((items + perGroup - 1) / perGroup, 1, MaxGroups);

    /// <summary>
    /// A kernel computing every element of output 0 independently: <paramref name="value"/> writes the body of
    /// <c>fn value(i: i32) -&gt; T</c> (i the flat output index). Bool outputs are written four per invocation (one word).
    /// </summary>
    public void Map(Action value)
    {
        var o = Kernel.Output;
        string t = ValueType(o.DataType);
        long n = o.Length;
        W.Function($"fn value(i: i32) -> {t}", value);
        W.Const("N", "i32", WgslWriter.I32(n));
        if (o.DataType == DataType.Bool)
        {
            long words = (n + 3) / 4;
            W.Const("WORDS", "i32", WgslWriter.I32(words));
            W.Main(Threads, 1, 1, () =>
            {
                W.Open($"for (var w: i32 = i32(gid.x); w < WORDS; w += i32(nwg.x) * {Threads})");
                W.Line("var word = 0u;");
                W.Open("for (var j: i32 = 0; j < 4; j++)");
                W.Line("let e = w * 4 + j;");
                W.Open("if (e < N)");
                W.Line("word = word | (select(0u, 1u, value(e)) << (u32(j) * 8u));");
                W.Close();
                W.Close();
                W.Line($"{Out(0)}[w] = word;");
                W.Close();
            });
            Dispatch = [Groups(words), 1, 1];
            return;
        }
        W.Main(Threads, 1, 1, () =>
        {
            W.Open($"for (var i: i32 = i32(gid.x); i < N; i += i32(nwg.x) * {Threads})");
            W.Line($"{OutAt(0, "i")} = value(i);");
            W.Close();
        });
        Dispatch = [Groups(n), 1, 1];
    }

    /// <summary>One invocation per index <c>o</c> in [0, n) (grid-stride); <paramref name="body"/> writes the outputs itself.</summary>
    public void Each(long n, Action body)
    {
        W.Const("N", "i32", WgslWriter.I32(n));
        W.Main(Threads, 1, 1, () =>
        {
            W.Open($"for (var o: i32 = i32(gid.x); o < N; o += i32(nwg.x) * {Threads})");
            body();
            W.Close();
        });
        Dispatch = [Groups(n), 1, 1];
    }

    private void Bind(string name, KernelBuffer b, WgslAccess access)
    {
        string elem = b.DataType switch
        {
            DataType.Bool => "u32",
            _ => ValueType(b.DataType),
        };
        W.Storage(name, elem, access);
        if (b.DataType == DataType.Bool)
        {
            W.Helper($"ldb_{name}", $"fn ldb_{name}(i: i32) -> bool {{ return ((({name}[i >> 2u]) >> (u32(i & 3) * 8u)) & 0xffu) != 0u; }}");
        }
    }
}
