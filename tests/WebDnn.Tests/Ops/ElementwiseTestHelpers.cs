using WebDnn.Core;
using WebDnn.Ops.Reference;
using WebDnn.Passes;
using WebDnn.Tests.Passes;

namespace WebDnn.Tests.Ops;

/// <summary>Parses a graph text (<see cref="GraphText"/>), infers types and runs it on the reference interpreter.</summary>
internal static class ElementwiseTestHelpers
{
    /// <summary>
    /// Hand-computed values are exact doubles (or printed to 16+ digits); results are stored in f32, so one f32
    /// rounding (unit roundoff 6e-8) plus the evaluator's double-precision error: 1e-6 relative, 1e-7 absolute near 0.
    /// </summary>
    public const double ScalarF32Rtol = 1e-6;

    public const double ScalarF32Atol = 1e-7;

    public static Graph Infer(string text)
    {
        var g = GraphText.Parse(text);
        new InferShapes().Run(g, new PassContext());
        return g;
    }

    /// <summary>Runs the graph with <paramref name="inputs"/> bound to its inputs in order; returns every output.</summary>
    public static Tensor[] EvalAll(string text, params Tensor[] inputs)
    {
        var g = Infer(text);
        var bound = new Dictionary<Value, Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            bound[g.Inputs[i]] = inputs[i];
        }
        var outs = Interpreter.Run(g, bound);
        // The inferred output types must describe the computed tensors.
        for (int i = 0; i < outs.Length; i++)
        {
            var t = g.Outputs[i].Type!;
            Assert.Equal(t.DataType, outs[i].DataType);
            Assert.Equal(t.Shape!.Length, outs[i].Rank);
            for (int d = 0; d < outs[i].Rank; d++)
            {
                Assert.True(!t.Shape[d].IsKnown || t.Shape[d].Value == outs[i].Shape[d], $"inferred {t} but computed [{string.Join(",", outs[i].Shape)}]");
            }
        }
        return outs;
    }

    public static Tensor Eval(string text, params Tensor[] inputs) => EvalAll(text, inputs)[0];

    public static Tensor F32(int[] shape, params float[] v) => Tensor.FromFloats(shape, v);

    public static Tensor F32(params float[] v) => Tensor.FromFloats([v.Length], v);

    public static Tensor I64(params long[] v) => Tensor.FromLongs([v.Length], v);

    public static Tensor Of(DataType t, params double[] v) => Tensor.FromDoubles(t, [v.Length], v);

    public static void Close(double[] expected, Tensor actual, double rtol = ScalarF32Rtol, double atol = ScalarF32Atol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual.GetDouble(i);
            if (double.IsNaN(e))
            {
                Assert.True(double.IsNaN(a), $"element {i}: {a}, expected NaN");
                continue;
            }
            Assert.True(e == a || Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"element {i}: {a}, expected {e}");
        }
    }

    public static void Exact(long[] expected, Tensor actual) => Assert.Equal(expected, actual.ToLongs());

    public static void Bools(bool[] expected, Tensor actual)
    {
        Assert.Equal(DataType.Bool, actual.DataType);
        Assert.Equal(expected, (bool[])actual.Data);
    }
}
