using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;
using WebDnn.Onnx;
using WebDnn.Ops;
using WebDnn.Passes;
using WebDnn.Tooling.Conformance;
using Xunit.Abstractions;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>
/// The lowering of the elementwise ops: the ONNX node tests whose nodes are all elementwise ops and whose tensors
/// are f32/i32/i64/bool are lowered to primitive kernels, run by the naive <see cref="KernelReference"/> evaluator
/// and compared with the expected outputs (the suite's rtol 1e-3 / atol 1e-7; integers exactly).
/// </summary>
public sealed class ElementwiseLoweringTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> s_elementwiseOps = OpRegistry.All
        .Where(o => o.GetType().Namespace == "WebDnn.Ops.Elementwise" && o.Domain.Length == 0).Select(o => o.OpType).ToHashSet(StringComparer.Ordinal);

    private static bool Lowerable(Tensor t) => t.DataType switch
    {
        DataType.Float32 or DataType.Int32 or DataType.Bool => true,
        DataType.Int64 => t.ToLongs().All(v => v is >= int.MinValue and <= int.MaxValue),
        _ => false,
    };

    [Fact]
    public void NodeTests_LowerToKernelsThatMatchExpectedOutputs()
    {
        int lowered = 0;
        var failures = new List<string>();
        foreach (var c in NodeTestSuite.Cases())
        {
            Graph g;
            IReadOnlyList<Tensor> inputs, expected;
            try
            {
                g = OnnxImporter.Load(c.ModelPath);
                inputs = c.LoadTensors("input");
                expected = c.LoadTensors("output");
            }
            catch (WebDnnException)
            {
                continue;
            }
            if (!g.Nodes.All(n => s_elementwiseOps.Contains(n.OpType) && n.Domain.Length == 0) || !inputs.Concat(expected).All(Lowerable)
                || g.Inputs.Count(v => v.Const is null) != inputs.Count || g.Nodes.Any(n => n.OpType == "Dropout" && n.Inputs.Skip(2).Any(v => v is { Const: null })))
            {
                continue;
            }
            try
            {
                new InferShapes().Run(g, new PassContext());
                var program = Lowerer.Lower(g);
                var outs = KernelReference.Run(program, program.Inputs.Select((io, i) => (io.Name, inputs[i])).ToDictionary());
                for (int i = 0; i < expected.Count; i++)
                {
                    var actual = Tensor.FromDoubles(expected[i].DataType, expected[i].Shape, outs[program.Outputs[i].Name].ToDoubles());
                    if (NodeTestSuite.Compare(expected[i], actual) is { } diff)
                    {
                        failures.Add($"{c.Name}: output {i}: {diff}");
                    }
                }
                lowered++;
            }
            catch (WebDnnException e)
            {
                failures.Add($"{c.Name}: {e.Message}");
            }
        }
        output.WriteLine($"{lowered} elementwise node tests lowered and checked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The suite has ~300 such cases; far fewer means the filter (or the importer) went wrong.
        Assert.True(lowered > 150, $"only {lowered} cases were lowered");
    }

    [Fact]
    public void Identity_LowersToAnAlias()
    {
        var g = Infer("""
            input %x: f32[2,3]
            %a = Identity(%x)
            %y = Relu(%a)
            output %y
            """);
        var p = Lowerer.Lower(g);
        var k = Assert.Single(p.Kernels);
        Assert.Equal(p.Inputs[0].KernelBuffer, k.Inputs[0].Root);
    }

    [Fact]
    public void Clip_RuntimeBoundsBecomeKernelInputs_ConstantBoundsFold()
    {
        var g = Infer("""
            opset 13
            input %x: f32[4]
            input %hi: f32[]
            const %lo: f32[] = 0
            %y = Clip(%x, %lo, %hi)
            output %y
            """);
        var k = Assert.IsType<ElementwiseKernel>(Assert.Single(Lowerer.Lower(g).Kernels));
        Assert.Equal(2, k.Inputs.Length);
        Assert.Equal("Min(Max(in0, 0), in1)", k.Body.ToString());
    }
}
