using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;
using WebDnn.Onnx;
using WebDnn.Ops;
using WebDnn.Passes;
using WebDnn.Tooling.Conformance;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>
/// Runs a lowered <see cref="KernelProgram"/> on the CPU with the primitives' reference semantics
/// (<see cref="KernelReference"/>), so a lowering can be checked against the op's reference evaluator.
/// </summary>
internal static class TensorTestGraphs
{
    /// <summary>Evaluates <paramref name="text"/> with the reference interpreter and with its lowering; asserts equal results.</summary>
    public static Tensor[] AssertLoweringMatches(string text, params Tensor[] inputs)
    {
        var g = Infer(text);
        var all = g.Inputs.Select((v, i) => i < inputs.Length ? inputs[i] : Sequential(v.Type!)).ToArray();
        var expected = EvalAll(text, all);
        var actual = RunLowered(g, all);
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Shape, actual[o].Shape);
            Assert.Equal(LowerContext.KernelType(expected[o].DataType), actual[o].DataType);
            // Pure data movement: the lowered result must be bit-exact (int64 values here fit int32).
            Assert.Equal(expected[o].ToDoubles(), actual[o].ToDoubles());
        }
        return expected;
    }

    /// <summary>Values 1, 2, 3, … so any misplaced element is visible.</summary>
    public static Tensor Sequential(TensorType t)
    {
        var shape = t.StaticShape();
        return Tensor.FromDoubles(t.DataType, shape, Enumerable.Range(1, (int)Tensor.ElementCount(shape)).Select(i => (double)i).ToArray());
    }

    public static Tensor[] RunLowered(Graph g, Tensor[] inputs)
    {
        var program = Lowerer.Lower(g);
        var byName = program.Inputs.ToDictionary(io => io.Name,
            io => Lowerer.ToKernelType(inputs[g.Inputs.FindIndex(v => v.Name == io.Name)], io.KernelBuffer.DataType, io.Name));
        var outs = KernelReference.Run(program, byName);
        return program.Outputs.Select(o => outs[o.Name]).ToArray();
    }

    /// <summary>
    /// Lowers the ONNX node tests whose names start with one of <paramref name="prefixes"/> (not the _expanded ones), runs
    /// them with <see cref="KernelReference"/> and compares output 0 with the expected output (the suite's tolerance).
    /// With <paramref name="freezeParameters"/> every graph input after the first becomes a constant from the test data
    /// (packages bake roi/scales/sizes/axes in). <paramref name="check"/> inspects each lowered program.
    /// Returns how many cases ran and a line per failure.
    /// </summary>
    public static (int Checked, List<string> Failures) RunLoweredNodeTests(string[] prefixes, bool freezeParameters, Action<KernelProgram>? check = null)
    {
        int count = 0;
        var failures = new List<string>();
        foreach (var c in NodeTestSuite.Cases().Where(c => prefixes.Any(p => c.Name.StartsWith(p, StringComparison.Ordinal)) && !c.Name.EndsWith("_expanded", StringComparison.Ordinal)))
        {
            var g = OnnxImporter.Load(c.ModelPath);
            var inputs = c.LoadTensors("input");
            var expected = c.LoadTensors("output");
            if (freezeParameters)
            {
                foreach (var (v, t) in g.Inputs.Zip(inputs).Skip(1).ToList())
                {
                    v.Const = t;
                    v.Type = t.Type;
                    g.Inputs.Remove(v);
                }
                inputs = inputs.Take(1).ToList();
            }
            count++;
            KernelProgram program;
            try
            {
                new InferShapes().Run(g, new PassContext());
                program = Lowerer.Lower(g);
            }
            catch (WebDnnException e)
            {
                failures.Add($"{c.Name}: {e.Message}");
                continue;
            }
            check?.Invoke(program);
            var outs = KernelReference.Run(program, program.Inputs.Select((io, i) => (io.Name, inputs[i])).ToDictionary());
            var actual = Tensor.FromDoubles(expected[0].DataType, expected[0].Shape, outs[program.Outputs[0].Name].ToDoubles());
            if (NodeTestSuite.Compare(expected[0], actual) is { } diff)
            {
                failures.Add($"{c.Name}: {diff}");
            }
        }
        return (count, failures);
    }
}
