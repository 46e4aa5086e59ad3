using WebDnn.Core;
using WebDnn.Onnx;
using WebDnn.Ops.Reference;
using WebDnn.Passes;
using WebDnn.Tooling;
using WebDnn.Tooling.Oracle;
using Xunit.Abstractions;

namespace WebDnn.Tests.Passes;

/// <summary>Structure of the O2 pipeline's result on real networks (BN folded, activations and residual adds fused).</summary>
public sealed class ZooPipelineTests(ITestOutputHelper output)
{
    // NOTE: semantics preservation of O2 on every model (zoo and real) against ONNX Runtime is checked once, in
    // Models/ModelOracleTests; these facts check the structure the passes must produce.

    [Fact]
    public void ResNet18_BatchNormalizations_are_folded_into_the_convolutions()
    {
        var g = OnnxImporter.Load(WebDnn.Tooling.Models.ModelZoo.Default.GetPath("resnet18"));
        Assert.Equal(22, g.Nodes.Count(n => n.OpType == "BatchNormalization"));
        var records = Pipelines.Run(g, "O2", new PassContext { Verify = true });
        foreach (var r in records)
        {
            output.WriteLine($"  {r.Pass,-26} {r.NodeCount,5} nodes {r.ElapsedMs,8:F1} ms");
        }
        Assert.DoesNotContain(g.Nodes, n => n.OpType is "BatchNormalization" or "Relu");
    }

    [Fact]
    public void ResNet50_HasNoBatchNorm_AndEveryReluIsFused()
    {
        var g = OnnxImporter.Load(Path.Combine(SharedData.Root, "models", "resnet50.onnx.gz"));
        int before = g.Nodes.Count;
        Pipelines.Run(g, "O2", new PassContext { Verify = true });
        Assert.DoesNotContain(g.Nodes, n => n.OpType == "BatchNormalization");
        Assert.DoesNotContain(g.Nodes, n => n.OpType is "Relu" or "Add");
        // 53 Conv + 16 residual Adds + 49 Relus: every Relu and Add lands in a Conv epilogue.
        Assert.Equal(53, g.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(49, g.Nodes.Count(n => n.Attributes.TryGetValue(WebDnn.Ops.Epilogue.ExprAttr, out var a) && a.E!.ToString().Contains("Relu", StringComparison.Ordinal)));
        output.WriteLine($"resnet50: {before} -> {g.Nodes.Count} nodes");
    }
}
