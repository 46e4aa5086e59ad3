using WebDnn.Core;
using WebDnn.Onnx;
using WebDnn.Ops.Reference;
using WebDnn.Passes;
using WebDnn.Tooling;
using WebDnn.Tooling.Oracle;
using Xunit.Abstractions;

namespace WebDnn.Tests.Passes;

/// <summary>
/// The O2 pipeline on the seven zoo models, verifier on after every pass: the reference interpreter must give the
/// same outputs before and after (<see cref="Tolerance.Fp32Reference"/>), and the node counts per pass are logged.
/// VGG16 runs once here (the interpreter needs tens of seconds for its 31 GFLOP).
/// </summary>
public sealed class ZooPipelineTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models =>
    [
        "resnet50", "vgg16", "inception_v3", "mobilenet_v2", "squeezenet1_1", "style_transfer", "bert_mini",
    ];

    [Theory]
    [MemberData(nameof(Models))]
    public void O2_PreservesOutputs(string model)
    {
        var g = OnnxImporter.Load(Path.Combine(SharedData.Root, "models", model + ".onnx.gz"));
        new InferShapes().Run(g, new PassContext());
        var inputs = SeededInputs.Create(g.Inputs.Select(v => new InputSpec(v.Name, v.Type!.DataType, v.Type.StaticShape())));
        var before = Interpreter.Run(g, inputs);
        int nodesBefore = g.Nodes.Count;
        var histogramBefore = g.OpHistogram();

        var records = Pipelines.Run(g, "O2", new PassContext { Verify = true });

        output.WriteLine($"{model}: {nodesBefore} nodes -> {g.Nodes.Count}");
        foreach (var r in records)
        {
            output.WriteLine($"  {r.Pass,-26} {r.NodeCount,5} nodes {r.ElapsedMs,8:F1} ms");
        }
        output.WriteLine($"  before: {string.Join(", ", histogramBefore.Select(kv => $"{kv.Key} {kv.Value}"))}");
        output.WriteLine($"  after:  {string.Join(", ", g.OpHistogram().Select(kv => $"{kv.Key} {kv.Value}"))}");

        var after = Interpreter.Run(g, inputs);
        var report = TensorComparer.Compare(before, after, Tolerance.Fp32Reference);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.True(g.Nodes.Count <= nodesBefore);
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
