using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;
using WebDnn.Ops;
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
}
