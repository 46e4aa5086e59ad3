using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Tests.Lowering;
using WebDnn.Tests.Support;
using WebDnn.Tooling;
using WebDnn.Tooling.Oracle;
using WebDnn.Tooling.Packages;

namespace WebDnn.Tests.Browser;

/// <summary>
/// Element types at the runtime boundary, on <c>js</c> in headless Chromium against ONNX Runtime: f16 and f64 inputs
/// and outputs (converted to and from the f32 kernels, returned in the declared dtype), int64 arithmetic inside the
/// input bound the compiler proved, a value outside it (refused, not wrapped), and uint64 subtraction that wraps.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class BoundaryTypesBrowserTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>y = Sigmoid(x + x) · x in <paramref name="elemType"/> (f16 or f64).</summary>
    private string FloatModel(string name, int elemType) => new OnnxBuilder()
        .Input("x", elemType, 2, 3)
        .Node("Add", ["x", "x"], ["s"], "add0")
        .Node("Sigmoid", ["s"], ["g"], "sigmoid0")
        .Node("Mul", ["g", "x"], ["y"], "mul0")
        .Output("y", elemType, 2, 3)
        .Save(_dir.File(name + ".onnx"));

    private static Tensor Values(DataType t, params double[] v) => Tensor.FromDoubles(t, [v.Length / 3, 3], v);

    [Fact]
    public async Task F16_f64_and_int64_inputs_and_outputs_match_onnx_runtime_on_js()
    {
        string root = _dir.File("site");
        var cases = new List<(string Id, string Model, Dictionary<string, Tensor> Inputs)>
        {
            ("f16", FloatModel("f16", (int)DataType.Float16), new() { ["x"] = Values(DataType.Float16, -3.5, -1, -0.0999755859375, 0, 0.5, 2.25) }),
            ("f64", FloatModel("f64", (int)DataType.Float64), new() { ["x"] = Values(DataType.Float64, -3.5, -1, -0.1, 1e-3, 0.5, 2.25) }),
            ("i64", IntegerRangeTests.AffineInt64(_dir.File("i64.onnx"), 1000), new() { ["x"] = Tensor.FromLongs([4], [-2_147_483, -1, 0, 2_147_483]) }),
            ("u64", IntegerRangeTests.UnsignedSub(_dir.File("u64.onnx")), new()
            {
                ["x"] = Tensor.FromLongs(DataType.UInt64, [2], [1, 7]),
                ["y"] = Tensor.FromLongs(DataType.UInt64, [2], [3, 2]),
            }),
        };
        var items = new List<BatchItem>();
        foreach (var (id, model, inputs) in cases)
        {
            var program = ModelCompiler.Compile(model, new CompileSettings()).Program!;
            string dir = Path.Combine(root, id);
            PackageWriter.Write(program, dir, ["js"]);
            items.Add(BrowserBatchRunner.Prepare(root, id, dir, inputs));
        }
        // x · 1000 + 1 is exact for |x| ≤ 2147483 only: 3000000 must be refused, not wrapped.
        string outsideDir = Path.Combine(root, "i64-outside");
        PackageWriter.Write(ModelCompiler.Compile(cases[2].Model, new CompileSettings()).Program!, outsideDir, ["js"]);
        items.Add(BrowserBatchRunner.Prepare(root, "i64-outside", outsideDir, [new("x", Tensor.FromLongs([4], [3_000_000, 0, 0, 0]))]));

        await using var runner = await BrowserBatchRunner.StartAsync(root);
        var results = (await runner.RunAsync(items, "js", batchSize: 10, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1))).ToDictionary(r => r.Id);

        foreach (var (id, model, inputs) in cases)
        {
            var r = results[id];
            Assert.True(r.Ok, $"{id}: {r.Error}");
            var expected = OrtOracle.Run(model, inputs);
            foreach (var (name, e) in expected)
            {
                var a = r.Outputs![name];
                Assert.Equal(e.DataType, a.DataType);
                Assert.Equal(e.Shape, a.Shape);
                // f16: ORT rounds to f16 after every op, we compute in f32 and round once (Fp16); f64: f32 kernels (Fp32Js);
                // integers exactly.
                var tolerance = e.DataType == DataType.Float16 ? Tolerance.Fp16 : Tolerance.Fp32Js;
                var cmp = TensorComparer.Compare(name, e, a, tolerance);
                Assert.True(cmp.Passed, $"{id}: {cmp}");
            }
        }
        Assert.Equal([-2_147_482_999L, -999L, 1L, 2_147_483_001L], IntegerRangeTests.Longs(results["i64"].Outputs!["y"]));
        Assert.Equal([ulong.MaxValue - 1, 5UL], Enumerable.Range(0, 2).Select(i => unchecked((ulong)results["u64"].Outputs!["z"].GetLong(i))));
        var refused = results["i64-outside"];
        Assert.False(refused.Ok);
        Assert.Contains("input 'x'[0] = 3000000 is outside ±2147483", refused.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((int)DataType.Float16)]
    [InlineData((int)DataType.Float64)]
    public void Verify_and_run_handle_f16_and_f64_models(int elemType)
    {
        var dt = (DataType)elemType;
        string model = FloatModel(dt.ShortName(), elemType);
        var (code, stdout, stderr) = Cli.CliErrorTests.Run("verify", model, "--backends", "js");
        Assert.True(code == ExitCodes.Success, $"verify: exit {code}\n{stdout}\n{stderr}");
        Assert.EndsWith("PASS", stdout.TrimEnd(), StringComparison.Ordinal);

        // webdnn run with an .npy input of the model's dtype writes .npy outputs of the declared dtype.
        string pkg = _dir.File("pkg-" + dt.ShortName());
        Assert.Equal(ExitCodes.Success, Cli.CliErrorTests.Run("compile", model, "-o", pkg).Code);
        var x = Values(dt, -3.5, -1, -0.25, 0, 0.5, 2.25);
        string input = _dir.File("x.npy");
        Npy.Write(input, x);
        string saved = _dir.File("out-" + dt.ShortName());
        (code, stdout, stderr) = Cli.CliErrorTests.Run("run", pkg, "--input", "x=" + input, "--save", saved);
        Assert.True(code == ExitCodes.Success, $"run: exit {code}\n{stdout}\n{stderr}");
        var y = Npy.Read(Path.Combine(saved, "y.npy"));
        Assert.Equal(dt, y.DataType);
        var expected = OrtOracle.Run(model, new Dictionary<string, Tensor> { ["x"] = x })["y"];
        var cmp = TensorComparer.Compare("y", expected, y, dt == DataType.Float16 ? Tolerance.Fp16 : Tolerance.Fp32Js);
        Assert.True(cmp.Passed, cmp.ToString());
    }
}
