using System.Runtime.InteropServices;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Tests.Backends;

/// <summary>
/// The seam's promise: a second backend is a class (here, a few lines in a test) and a runtime registration; neither
/// PackageWriter, the manifest records nor session.ts change. The toy refuses every primitive but elementwise and
/// runs only copies and additions, told apart by its per-kernel manifest data.
/// </summary>
public sealed class ToyBackendTests : IDisposable
{
    private const DataType F = DataType.Float32;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-toy-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private sealed class Toy : IBackend
    {
        public string Name => "toy";

        public Target Target { get; } = new("toy", 64, 4, 1, Target.BasicTypes, false, new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, ActivationLayout>());

        public IReadOnlySet<string> Primitives { get; } = new HashSet<string> { "elementwise" };

        public IReadOnlyList<IKernelPass> KernelPasses => KernelPipelines.Standard();

        public IReadOnlyList<BackendKernel> Write(TargetProgram tp, BackendOutput output)
        {
            output.WriteText("toy.txt", "toy kernels live in the manifest\n");
            return [.. tp.Program.Kernels.Select(k => ((ElementwiseKernel)k).Body switch
            {
                InputExpr { Index: 0 } => new BackendKernel(Data: [0]),
                BinaryExpr { Op: BinaryOp.Add, A: InputExpr { Index: 0 }, B: InputExpr { Index: 1 } } => new BackendKernel(Data: [1]),
                _ => throw new UnsupportedModelException($"toy: kernel from {k.Origin} is neither a copy nor an addition"),
            })];
        }
    }

    // Runs the toy's kernels on Float32Array views of its arena and weight region, as a real backend would.
    private const string ToyRuntime = """
        webdnn.registerBackend({
          name: 'toy', priority: 0,
          unavailableReason: async () => null,
          async create(pkg) {
            const text = new TextDecoder().decode(await pkg.file('toy.txt'));
            if (!text.startsWith('toy')) throw new Error('bad toy file');
            const arena = new ArrayBuffer(pkg.entry.arenaBytes);
            const w = pkg.weights.slice().buffer;
            const views = pkg.entry.buffers.map((b) => new Float32Array(b.region === 'weights' ? w : arena, b.offset, b.shape.reduce((a, d) => a * d, 1)));
            return {
              async run(inputs) {
                inputs.forEach((v, i) => views[pkg.entry.inputs[i]].set(v));
                for (const k of pkg.entry.kernels) {
                  const [a, b] = k.inputs.map((id) => views[id]), o = views[k.outputs[0]];
                  for (let i = 0; i < o.length; i++) o[i] = k.data[0] === 1 ? a[i] + b[i] : a[i];
                }
                return pkg.entry.outputs.map((id) => views[id].slice());
              },
              dispose() {},
            };
          },
        });
        """;

    [Fact]
    public void A_test_backend_plugs_into_the_writer_and_the_runtime_without_changes()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [6]);
        var w = pb.Weight(F, [6]);
        var y = pb.Act(F, 6);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F))) { Inputs = [x, w], Outputs = [y] });
        var z = pb.Act(F, 6);
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [y], Outputs = [z] });
        pb.Output("z", z);
        string pkg = Path.Combine(_dir, "pkg");

        var m = PackageWriter.Write(pb.Program, pkg, [new Toy(), BackendRegistry.Find("js")!]);

        Assert.Equal(["toy", "js"], m.Backends.Keys);
        var toy = m.Backends["toy"];
        Assert.Equal(64, toy.Alignment);
        Assert.All(toy.Buffers.Where(b => b.Region == MemoryRegion.Arena), b => Assert.Equal(0, b.Offset % 64));
        Assert.Equal([1.0, 0.0], toy.Kernels.Select(k => k.Data![0]));
        Assert.Equal("toy.txt", PackageWriter.LogicalName(Assert.Single(toy.Files).File));

        var ran = NodeRunner.Run(pkg, pb.RawInputs(), setup: ToyRuntime);
        Assert.True(ran.Ok, ran.Error);
        Assert.Equal("toy", ran.Backend);
        var want = pb.InputValues["x"].ToDoubles().Zip(w.Weight!.ToDoubles(), (a, b) => (float)(a + b)).ToArray();
        Assert.Equal(want, MemoryMarshal.Cast<byte, float>(ran.Outputs["z"].Data).ToArray());
        // Without the runtime registration the package still runs, on js.
        var js = NodeRunner.Run(pkg, pb.RawInputs());
        Assert.True(js.Ok, js.Error);
        Assert.Equal("js", js.Backend);
    }

    [Fact]
    public void A_backend_without_the_primitive_is_refused_naming_the_kernel()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3]);
        var y = pb.Act(F, 2, 1);
        pb.Add(new ReduceKernel(ReduceKind.Sum, [1], false) { Inputs = [x], Outputs = [y], Origin = "ReduceSum 'r0'" });
        pb.Output("y", y);
        var e = Assert.Throws<UnsupportedModelException>(() => PackageWriter.Write(pb.Program, Path.Combine(_dir, "p"), [new Toy()]));
        Assert.Contains("the toy backend has no kernel for 1 kernel(s): reduce (from ReduceSum 'r0')", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "p")));
    }
}
