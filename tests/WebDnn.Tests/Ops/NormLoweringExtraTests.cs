using WebDnn.Core;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;
using WebDnn.Onnx;
using WebDnn.Passes;
using WebDnn.Tooling.Conformance;

namespace WebDnn.Tests.Ops;

/// <summary>
/// RMSNormalization and LpNormalization lowerings (reduce + elementwise), run by the naive
/// <see cref="KernelReference"/> on the ONNX node tests of both ops and compared with their expected outputs.
/// </summary>
public sealed class NormLoweringExtraTests
{
    [Fact]
    public void RmsAndLpNormalization_LoweredProgramsMatchNodeTests()
    {
        int checkedCases = 0;
        var failures = new List<string>();
        foreach (var c in NodeTestSuite.Cases().Where(c => (c.Name.StartsWith("test_rms_normalization", StringComparison.Ordinal)
            || c.Name.StartsWith("test_lpnormalization", StringComparison.Ordinal)) && !c.Name.EndsWith("_expanded", StringComparison.Ordinal)))
        {
            var g = OnnxImporter.Load(c.ModelPath);
            var inputs = c.LoadTensors("input");
            var expected = c.LoadTensors("output");
            new InferShapes().Run(g, new PassContext());
            var program = Lowerer.Lower(g);
            var outs = KernelReference.Run(program, program.Inputs.Select((io, i) => (io.Name, inputs[i])).ToDictionary());
            var actual = Tensor.FromDoubles(expected[0].DataType, expected[0].Shape, outs[program.Outputs[0].Name].ToDoubles());
            if (NodeTestSuite.Compare(expected[0], actual) is { } diff)
            {
                failures.Add($"{c.Name}: {diff}");
            }
            checkedCases++;
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedCases >= 16, $"only {checkedCases} cases were checked");
    }
}
