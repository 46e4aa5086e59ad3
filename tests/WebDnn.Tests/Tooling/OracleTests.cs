using WebDnn.Core;
using WebDnn.Tooling.Models;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tests.Tooling;

/// <summary>Seeded inputs, the comparison rule, and that the oracle and the comparison catch a wrong answer.</summary>
public class OracleTests
{
    private static readonly InputSpec[] s_textInputs =
    [
        new("input_ids", DataType.Int64, [1, 64]),
        new("attention_mask", DataType.Int64, [1, 64]),
        new("token_type_ids", DataType.Int64, [1, 64]),
    ];

    [Fact]
    public void Seeded_inputs_are_deterministic_and_depend_on_the_seed_only()
    {
        var specs = new[] { new InputSpec("x", DataType.Float32, [2, 3, 5]), new InputSpec("flag", DataType.Bool, [7]) };
        var a = SeededInputs.Create(specs, seed: 7);
        var b = SeededInputs.Create(specs.Reverse(), seed: 7);
        var c = SeededInputs.Create(specs, seed: 8);
        Assert.Equal(a["x"].Floats, b["x"].Floats);
        Assert.Equal((bool[])a["flag"].Data, (bool[])b["flag"].Data);
        Assert.NotEqual(a["x"].Floats, c["x"].Floats);
        // Fixed values: System.Random(int) is the seeded legacy generator, stable across .NET versions.
        Assert.Equal(SeededInputs.Create(specs[0], 7).Floats, a["x"].Floats);
        Assert.All(a["x"].Floats, v => Assert.InRange(v, -1f, 1f));
        Assert.Contains(a["x"].Floats, v => v < 0);
    }

    [Fact]
    public void Seeded_inputs_follow_domains()
    {
        var text = SeededInputs.Create(s_textInputs, seed: 1);
        Assert.All(text["input_ids"].Longs, v => Assert.InRange(v, 0, SeededInputs.TokenIdLimit - 1));
        Assert.True(text["input_ids"].Longs.Distinct().Count() > 10);
        Assert.All(text["attention_mask"].Longs, v => Assert.Equal(1, v));
        Assert.All(text["token_type_ids"].Longs, v => Assert.Equal(0, v));

        var pixels = SeededInputs.Create(new InputSpec("content", DataType.Float32, [1, 3, 8, 8], InputDomain.Pixels255));
        Assert.All(pixels.Floats, v => Assert.InRange(v, 0f, 255f));
        Assert.Contains(pixels.Floats, v => v > 128);
        var unit = SeededInputs.Create(new InputSpec("image", DataType.Float32, [64], InputDomain.Unit));
        Assert.All(unit.Floats, v => Assert.InRange(v, 0f, 1f));
        var flags = SeededInputs.Create(new InputSpec("b", DataType.Bool, [64]));
        Assert.Contains(true, (bool[])flags.Data);
        Assert.Contains(false, (bool[])flags.Data);
    }

    [Fact]
    public void Fp32Reference_bound_is_1e_4_times_max_of_1_and_max_abs_expected()
    {
        var small = Tensor.FromFloats([3], [0.5f, -0.25f, 0f]);
        Assert.True(Compare(small, [0.5f + 0.9e-4f, -0.25f, 0f]).Passed);
        Assert.False(Compare(small, [0.5f + 1.1e-4f, -0.25f, 0f]).Passed);

        var large = Tensor.FromFloats([2], [-1000f, 3f]);
        // Scaled by max|expected| = 1000: 0.09 on the small element is fine, 0.11 is not.
        Assert.True(Compare(large, [-1000f, 3.09f]).Passed);
        var fail = Compare(large, [-1000f, 3.11f]);
        Assert.False(fail.Passed);
        Assert.Equal(1, fail.WorstIndex);
        Assert.Equal(0.1, fail.Bound, 12);
        Assert.Equal(0.11, fail.MaxAbsError, 5);
        Assert.Equal(0.11 / 3, fail.MaxRelError, 5);
        Assert.Contains("element 1", fail.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_reports_shape_dtype_missing_outputs_and_nan()
    {
        var expected = new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.FromFloats([2, 2], [1, 2, 3, 4]),
            ["b"] = Tensor.FromFloats([2], [1, float.NaN]),
            ["c"] = Tensor.FromLongs([2], [1L, 2L]),
            ["d"] = Tensor.FromFloats([1], [1]),
            ["e"] = Tensor.FromLongs([1], [5L]),
        };
        var actual = new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.FromFloats([4], [1, 2, 3, 4]),
            ["b"] = Tensor.FromFloats([2], [1, float.NaN]),
            ["c"] = Tensor.FromFloats([2], [1, 2]),
            ["e"] = Tensor.FromLongs([1], [6L]),
        };
        var report = TensorComparer.Compare(expected, actual, Tolerance.Fp32Reference);
        var byName = report.Outputs.ToDictionary(o => o.Name);
        Assert.False(report.Passed);
        Assert.Contains("shape [4], expected [2,2]", byName["a"].Message, StringComparison.Ordinal);
        Assert.True(byName["b"].Passed);
        Assert.Contains("dtype f32, expected i64", byName["c"].Message, StringComparison.Ordinal);
        Assert.Equal("output is missing", byName["d"].Message);
        // Integers compare exactly even though 1 <= 1e-4 * max(1, 5) would not hold anyway.
        Assert.False(byName["e"].Passed);

        var nanVsNumber = TensorComparer.Compare("x", Tensor.FromFloats([1], [float.NaN]), Tensor.FromFloats([1], [0f]), Tolerance.Fp32Reference);
        Assert.False(nanVsNumber.Passed);
    }

    /// <summary>The oracle is deterministic and a single perturbed element in a real network's output is caught.</summary>
    [Fact]
    [Trait("Category", "Network")]
    public async Task Compare_catches_a_perturbed_onnx_runtime_output()
    {
        var model = ModelZoo.Get("blazeface_front");
        string path = await ModelZoo.Default.GetPathAsync(model);
        var inputs = SeededInputs.Create(model.Inputs, seed: 3);
        using var oracle = new OrtOracle(path);
        var expected = oracle.Run(inputs);
        var again = oracle.Run(SeededInputs.Create(model.Inputs, seed: 3));
        Assert.True(TensorComparer.Compare(expected, again, Tolerance.Fp32Reference).Passed);

        string name = oracle.OutputNames[2];
        var reference = expected[name];
        double bound = Tolerance.Fp32Reference.Bound(reference.Floats.Max(MathF.Abs));
        foreach (var (delta, shouldPass) in new[] { (0.5 * bound, true), (2 * bound, false) })
        {
            var perturbed = (float[])reference.Floats.Clone();
            perturbed[perturbed.Length / 3] += (float)delta;
            var actual = new Dictionary<string, Tensor>(expected) { [name] = Tensor.FromFloats(reference.Shape, perturbed) };
            var report = TensorComparer.Compare(expected, actual, Tolerance.Fp32Reference);
            Assert.True(shouldPass == report.Passed, report.ToString());
            if (!shouldPass)
            {
                var row = report.Outputs.Single(o => !o.Passed);
                Assert.Equal(name, row.Name);
                Assert.Equal(perturbed.Length / 3, row.WorstIndex);
            }
        }

        // A different input is a different answer: the comparison is not vacuous on this model.
        var other = oracle.Run(SeededInputs.Create(model.Inputs, seed: 4));
        Assert.False(TensorComparer.Compare(expected, other, Tolerance.Fp32Reference).Passed);
    }

    [Fact]
    [Trait("Category", "Network")]
    public async Task Oracle_fills_symbolic_dims_from_names_or_1()
    {
        string path = await ModelZoo.Default.GetPathAsync("minilm_l6_v2");
        using var oracle = new OrtOracle(path);
        var inputs = oracle.Inputs(new Dictionary<string, int> { ["sequence"] = 16 });
        Assert.All(inputs, i => Assert.Equal([1, 16], i.Shape));
        Assert.All(inputs, i => Assert.Equal(DataType.Int64, i.DataType));
        var outputs = oracle.Run(SeededInputs.Create(inputs, seed: 5));
        Assert.Equal([1, 16, 384], outputs["last_hidden_state"].Shape);
    }

    private static OutputComparison Compare(Tensor expected, float[] actual) =>
        TensorComparer.Compare("y", expected, Tensor.FromFloats(expected.Shape, actual), Tolerance.Fp32Reference);
}
