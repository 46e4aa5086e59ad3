using System.Globalization;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Core.Verification;
using WebDnn.Lowering;
using WebDnn.Ops.Reference;
using WebDnn.Tooling;
using WebDnn.Tooling.Models;
using WebDnn.Tooling.Oracle;
using Xunit.Abstractions;

namespace WebDnn.Tests.Models;

/// <summary>
/// Every model of the compiler-core issue (the seven zoo networks and the real trained ones from NuGet/npm) runs
/// through ONNX Runtime and through our reference evaluator on the same seeded input, before and after the O2
/// pipeline (graph verifier after every pass), and must agree within <see cref="Tolerance.Fp32Reference"/>.
/// The optimized graph must also lower to primitive kernels (what the browser backends run).
/// Errors are appended to artifacts/models/reference-errors.txt for the record.
/// </summary>
public sealed class ModelOracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> AllModels()
    {
        var d = new TheoryData<string>();
        foreach (var m in ModelZoo.Models)
        {
            d.Add(m.Name);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Reference_matches_onnxruntime_before_and_after_optimization(string name)
    {
        var info = ModelZoo.Get(name);
        var path = ModelZoo.Default.GetPath(name);
        var inputs = SeededInputs.Create(info.Inputs, seed: 42);
        var expected = OrtOracle.Run(path, inputs);

        var g0 = ModelCompiler.Import(path);
        var before = TensorComparer.Compare(expected, Interpreter.Run(g0, inputs), Tolerance.Fp32Reference);

        var g1 = ModelCompiler.Import(path);
        var shapes = info.Inputs.ToDictionary(i => i.Name, i => i.Shape.Select(d => (long)d).ToArray(), StringComparer.Ordinal);
        var passes = new List<PassReport>();
        ModelCompiler.Optimize(g1, new CompileSettings { Shapes = shapes, Verify = true }, passes);
        GraphVerifier.Verify(g1);
        var after = TensorComparer.Compare(expected, Interpreter.Run(g1, inputs), Tolerance.Fp32Reference);
        var program = Lowerer.Lower(g1);

        string line = string.Create(CultureInfo.InvariantCulture,
            $"{name}\tnodes {g0.Nodes.Count} -> {g1.Nodes.Count}\tkernels {program.Kernels.Count}\tbefore max|diff| {before.Outputs.Max(o => o.MaxAbsError):g3}\tafter max|diff| {after.Outputs.Max(o => o.MaxAbsError):g3}\t(max|expected| {before.Outputs.Max(o => o.MaxAbsExpected):g3})");
        output.WriteLine(line);
        output.WriteLine(before.ToString());
        output.WriteLine(after.ToString());
        var dir = Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "artifacts", "models");
        Directory.CreateDirectory(dir);
        File.AppendAllText(Path.Combine(dir, "reference-errors.txt"), line + Environment.NewLine);

        Assert.True(before.Passed, $"imported graph: {before}");
        Assert.True(after.Passed, $"optimized graph: {after}");
    }
}
