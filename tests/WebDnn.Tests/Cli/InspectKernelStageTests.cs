using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Cli;
using WebDnn.Core;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Cli;

/// <summary>`webdnn inspect` shows the kernel-level stage per backend; --dump-after prints the IR after any pass.</summary>
public sealed class InspectKernelStageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ConvModel() => new OnnxBuilder()
        .Input("x", 1, 1, 2, 5, 5)
        .Initializer("w", [3, 2, 1, 1], [1, 2, 3, 4, 5, 6])
        .Node("Conv", ["x", "w"], ["c"], "conv\u001b[31m0")
        .Node("Relu", ["c"], ["y"], "relu0")
        .Output("y", 1, 1, 3, 5, 5)
        .Save(_dir.File("conv.onnx"));

    [Fact]
    public void Json_lists_every_kernel_with_algorithm_and_layout_per_backend()
    {
        var (code, stdout, err) = CliErrorTests.Run("inspect", ConvModel(), "--json");
        Assert.True(code == ExitCodes.Success, err);
        var backends = JsonNode.Parse(stdout)!["backends"]!.AsObject();
        Assert.Equal(BackendRegistry.Names, backends.Select(kv => kv.Key));
        foreach (var (name, b) in backends)
        {
            if (b!["error"] is not null)
            {
                continue;   // a backend that cannot run the model says why instead
            }
            var kernels = b["kernels"]!.AsArray();
            Assert.NotEmpty(kernels);
            var conv = kernels.Single(k => k!["primitive"]!.GetValue<string>() == "conv")!;
            Assert.Contains(conv["algorithm"]!.GetValue<string>(), BackendRegistry.Find(name)!.Target.AlgorithmsOf("conv"));
            Assert.Contains(conv["layout"]!.GetValue<string>(), new[] { "nchw", "nhwc" });
            Assert.Equal(0, b["arenaBytes"]!.GetValue<long>() % b["alignment"]!.GetValue<int>());
        }
        Assert.NotNull(backends["js"]!["kernels"]);
    }

    [Fact]
    public void Text_escapes_control_characters_from_node_names()
    {
        var (code, stdout, _) = CliErrorTests.Run("inspect", ConvModel(), "--backends", "js");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("js k0", stdout, StringComparison.Ordinal);
        Assert.Contains("conv\\u001b[31m0", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stdout);
    }

    [Fact]
    public void Dump_after_prints_graph_lowered_and_kernel_stage_ir()
    {
        string model = ConvModel();
        var graph = CliErrorTests.Run("inspect", model, "--dump-after", "fuse-activations");
        Assert.Equal(ExitCodes.Success, graph.Code);
        Assert.Contains("= Conv(%x", graph.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Relu(%", graph.Out, StringComparison.Ordinal);   // fused into the conv's epilogue by then

        var lowered = CliErrorTests.Run("inspect", model, "--dump-after", "lower");
        Assert.Contains("conv[direct, nchw]", lowered.Out, StringComparison.Ordinal);

        var stage = CliErrorTests.Run("inspect", model, "--dump-after", "plan-memory", "--backends", "js");
        Assert.Equal(ExitCodes.Success, stage.Code);
        Assert.StartsWith("# js: after plan-memory", stage.Out, StringComparison.Ordinal);

        var bad = CliErrorTests.Run("inspect", model, "--dump-after", "no-such-pass");
        Assert.Equal(ExitCodes.Usage, bad.Code);
        Assert.Contains("no such pass; passes: infer-shapes", bad.Err, StringComparison.Ordinal);
    }
}
