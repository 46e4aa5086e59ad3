using WebDnn.Core;
using WebDnn.Core.Verification;
using WebDnn.Ops.Reference;
using WebDnn.Passes;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tests.Passes;

/// <summary>
/// Before/expected checks for passes: the graph after the pass must print like the expected graph (structural
/// equality through <see cref="GraphText.Print"/>), pass the <see cref="GraphVerifier"/>, and compute the same outputs
/// as before on seeded random inputs (reference interpreter, <see cref="Tolerance.Fp32Reference"/>: the pass
/// preserves semantics).
/// </summary>
public static class PassAssert
{
    /// <summary>Parses <paramref name="text"/> and infers types.</summary>
    public static Graph Load(string text)
    {
        var g = GraphText.Parse(text);
        new InferShapes().Run(g, new PassContext());
        GraphVerifier.Verify(g);
        return g;
    }

    /// <summary>Runs <paramref name="passes"/> on <paramref name="before"/>; checks structure, invariants and numerics. Returns the graph after.</summary>
    public static Graph Rewrites(string before, string expected, params IGraphPass[] passes)
    {
        var g = Load(before);
        var inputs = RandomInputs(g);
        var reference = Interpreter.Run(g, inputs);
        var ctx = new PassContext { Verify = true };
        Pipelines.Run(g, passes, ctx);
        Assert.Equal(GraphText.Print(Load(expected)), GraphText.Print(g));
        var actual = Interpreter.Run(g, inputs);
        var report = TensorComparer.Compare(reference, actual, Tolerance.Fp32Reference);
        Assert.True(report.Passed, report.ToString());
        return g;
    }

    /// <summary>The pass leaves <paramref name="text"/> unchanged (structurally).</summary>
    public static void Unchanged(string text, params IGraphPass[] passes) => Rewrites(text, text, passes);

    /// <summary>Seeded inputs: floats uniform in [-2, 2], integers in [0, 4), bools at random.</summary>
    public static Dictionary<string, Tensor> RandomInputs(Graph g, int seed = 7)
    {
        var r = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var v in g.Inputs)
        {
            var rng = new Random(seed ^ GraphText.StableHash(v.Name));
            var shape = v.Type!.StaticShape();
            var t = Tensor.Zeros(v.Type.DataType, shape);
            for (int i = 0; i < t.Length; i++)
            {
                if (v.Type.DataType.IsFloat())
                {
                    t.SetDouble(i, rng.NextDouble() * 4 - 2);
                }
                else
                {
                    t.SetLong(i, rng.Next(0, v.Type.DataType == DataType.Bool ? 2 : 4));
                }
            }
            r[v.Name] = t;
        }
        return r;
    }
}
