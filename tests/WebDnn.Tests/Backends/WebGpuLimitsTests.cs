using WebDnn.Backends.Common;
using WebDnn.Backends.Js;
using WebDnn.Backends.WebGpu;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Models;
using Xunit.Abstractions;

namespace WebDnn.Tests.Backends;

/// <summary>
/// WebGPU's buffer limits: VGG16 compiled for webgpu binds nothing over the guaranteed 128 MiB and has no weight buffer
/// over the default maxBufferSize (its 411 MB fully-connected weight is split); what the compiler leaves over the defaults
/// (an activation) makes the runtime ask the adapter for more and, when the adapter cannot, fail with a message naming
/// the limit, the value and the buffer, before any GPU buffer is made.
/// </summary>
public sealed class WebGpuLimitsTests(ITestOutputHelper output) : IDisposable
{
    private const long DefaultMaxBufferSize = 268435456;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static long Bytes(ManifestBuffer b) => b.Shape.Aggregate(1L, (n, d) => n * d) * (b.Dtype == BufferDtype.Bool ? 1 : 4);

    [Fact]
    public async Task Vgg16_for_webgpu_binds_at_most_128_MiB_and_no_weight_buffer_is_over_256_MiB()
    {
        var info = ModelZoo.Get("vgg16");
        string path = await ModelZoo.Default.GetPathAsync(info);
        var compiled = ModelCompiler.Compile(path, new CompileSettings());
        var program = compiled.Program!;
        // The largest weight of the lowered program (the first fully-connected layer) is over both limits…
        long largest = program.Buffers.Where(b => b.Kind == BufferKind.Weight).Max(b => b.ByteLength);
        Assert.True(largest > DefaultMaxBufferSize, $"largest VGG16 weight {largest}");
        // …and stays whole on js (no binding limit there).
        var js = PackageWriter.Specialise(program, new JsBackend());
        Assert.Contains(js.Program.Buffers, b => b.Kind == BufferKind.Weight && b.ByteLength == largest);

        var manifest = PackageWriter.Write(program, _dir.File("pkg"), ["webgpu"]);
        var webgpu = manifest.Backends["webgpu"];
        var bound = webgpu.Kernels.SelectMany(k => k.Inputs.Concat(k.Outputs)).Distinct().Select(id => webgpu.Buffers[id]).ToList();
        var over = bound.Where(b => Bytes(b) > WebGpuBackend.GuaranteedBindingBytes).ToList();
        Assert.True(over.Count == 0, $"bound over 128 MiB: {string.Join(", ", over.Select(b => $"b{b.Id} [{string.Join(",", b.Shape)}] {Bytes(b)}"))}");
        var weights = webgpu.Buffers.Where(b => b.Region == MemoryRegion.Weights && b.AliasOf is null).ToList();
        Assert.All(weights, b => Assert.True(Bytes(b) <= DefaultMaxBufferSize, $"weight b{b.Id} {Bytes(b)} bytes"));
        Assert.True(webgpu.ArenaBytes + 512 <= DefaultMaxBufferSize, $"arena {webgpu.ArenaBytes}");
        Assert.Contains(webgpu.Kernels, k => k.Origin?.Contains("(part 4/4)", StringComparison.Ordinal) == true);
    }

    /// <summary>x [1, 1024] broadcast into an activation [rows, 1024] (over 128 MiB for the rows used here), summed back to [1, 1024].</summary>
    private static ProgramBuilder Wide(int rows)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", DataType.Float32, [1, 1024]);
        var wide = pb.Act(DataType.Float32, rows, 1024);
        var y = pb.Act(DataType.Float32, 1, 1024);
        pb.Add(new ElementwiseKernel(Expr.In(0, DataType.Float32)) { Inputs = [x], Outputs = [wide], Origin = "wide" });
        pb.Add(new ReduceKernel(ReduceKind.Sum, [0], false) { Inputs = [wide], Outputs = [y] });
        pb.Output("y", y);
        return pb;
    }

    /// <summary>Dawn on SwiftShader behind an adapter that reports <paramref name="binding"/> and <paramref name="buffer"/> as its limits.</summary>
    private static string AdapterWithLimits(long binding, long buffer) => DawnNode.Setup + $$"""

        {
          const real = navigator.gpu;
          const limits = { maxStorageBufferBindingSize: {{binding}}, maxBufferSize: {{buffer}} };
          const requestAdapter = async (o) => {
            const a = await real.requestAdapter(o);
            return a && { limits, features: a.features, info: a.info, requestDevice: (d) => a.requestDevice(d) };
          };
          Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter } }, configurable: true });
        }
        """;

    [Fact]
    public void An_activation_over_the_adapters_binding_limit_is_refused_naming_the_limit_and_the_buffer()
    {
        // 40000 × 1024 f32 = 163,840,000 bytes: over the guaranteed binding, under the default maxBufferSize.
        var pb = Wide(40000);
        PackageWriter.Write(pb.Program, _dir.File("pkg"), ["webgpu"]);
        var r = NodeRunner.Run(_dir.File("pkg"), pb.RawInputs(), ["webgpu"], AdapterWithLimits(WebGpuBackend.GuaranteedBindingBytes, DefaultMaxBufferSize),
            environment: DawnNode.Environment);
        Assert.False(r.Ok);
        output.WriteLine(r.Error);
        Assert.Contains("the model needs the WebGPU limit maxStorageBufferBindingSize = 163840000 for activation buffer", r.Error);
        Assert.Contains("[40000, 1024], bound by kernel 0 (elementwise from ONNX node \"wide\"); this adapter allows 134217728", r.Error);
    }

    [Fact]
    public void An_arena_over_the_adapters_buffer_limit_is_refused_naming_the_limit()
    {
        // 70000 × 1024 f32 = 286,720,000 bytes: the adapter allows the binding but not an arena that large.
        var pb = Wide(70000);
        var manifest = PackageWriter.Write(pb.Program, _dir.File("pkg"), ["webgpu"]);
        var r = NodeRunner.Run(_dir.File("pkg"), pb.RawInputs(), ["webgpu"], AdapterWithLimits(1L << 31, DefaultMaxBufferSize),
            environment: DawnNode.Environment);
        Assert.False(r.Ok);
        output.WriteLine(r.Error);
        long arena = (manifest.Backends["webgpu"].ArenaBytes + 255) / 256 * 256 + 256;
        Assert.Contains($"the model needs the WebGPU limit maxBufferSize = {arena} for the activation arena", r.Error);
        Assert.Contains($"this adapter allows {DefaultMaxBufferSize}", r.Error);
    }
}
