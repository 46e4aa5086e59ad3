using System.Runtime.InteropServices;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Oracle;
using static WebDnn.Tests.Support.OnnxParts;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>
/// An ONNX model of integer and bool operators (int32 arithmetic with ONNX's Div and both Mod modes, int64 mask
/// logic as BERT has it, comparisons, And/Or/Xor/Not, Where, Cast between float, int and bool, a bool Transpose, int
/// reductions), compiled for wasm, run in Node and compared with ONNX Runtime: integers and bools exactly, floats
/// within <see cref="Tolerance.Fp32Js"/>. Every kernel must run as wasm (no js fallback).
/// </summary>
public sealed class WasmIntModelTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const int I32 = (int)DataType.Int32, I64 = (int)DataType.Int64, F32 = (int)DataType.Float32, Bool = (int)DataType.Bool;

    private static TensorProto Long(string name, long v) => new() { Name = name, DataType = I64, Int64Data = { v } };

    private static TensorProto Float(string name, float v) => new() { Name = name, DataType = F32, FloatData = { v } };

    private string Model() => new OnnxBuilder(17)
        .Input("a", I32, 2, 9).Input("b", I32, 2, 9).Input("x", F32, 2, 9).Input("ids", I64, 2, 9)
        .RawInitializer(Long("zero", 0)).RawInitializer(Float("fill", -2.5f)).RawInitializer(Float("half", 0.5f))
        .Node("Div", ["a", "b"], ["div"], "div")
        .Node("Mod", ["a", "b"], ["mod"], "mod")
        .Node("Mod", ["a", "b"], ["fmod"], "fmod", "", Int("fmod", 1))
        .Node("Mul", ["a", "b"], ["ab"], "mul")
        .Node("Add", ["a", "b"], ["apb"], "add")
        .Node("Sub", ["ab", "apb"], ["arith"], "sub")
        .Node("Max", ["a", "b"], ["max"], "max")
        .Node("Min", ["a", "b"], ["min"], "min")
        .Node("Neg", ["a"], ["neg"], "neg")
        .Node("Abs", ["b"], ["abs"], "abs")
        .Node("Equal", ["ids", "zero"], ["eq"], "eq")
        .Node("Not", ["eq"], ["ne"], "not")
        .Node("Cast", ["ne"], ["mask64"], "cast_mask64", "", Int("to", I64))
        .Node("Cast", ["ne"], ["maskf"], "cast_maskf", "", Int("to", F32))
        .Node("Less", ["a", "b"], ["lt"], "lt")
        .Node("And", ["lt", "ne"], ["and"], "and")
        .Node("Or", ["lt", "eq"], ["or"], "or")
        .Node("Xor", ["lt", "ne"], ["xor"], "xor")
        .Node("GreaterOrEqual", ["a", "b"], ["ge"], "ge")
        .Node("Greater", ["x", "half"], ["gt"], "gt")
        .Node("Where", ["ne", "x", "fill"], ["where"], "where")
        .Node("Where", ["lt", "a", "b"], ["wherei"], "wherei")
        .Node("Cast", ["x"], ["xi"], "cast_xi", "", Int("to", I32))
        .Node("Cast", ["a"], ["af"], "cast_af", "", Int("to", F32))
        .Node("Cast", ["x"], ["xb"], "cast_xb", "", Int("to", Bool))
        .Node("Transpose", ["lt"], ["ltT"], "transpose", "", Ints("perm", 1, 0))
        .Node("ReduceSum", ["a", "axes"], ["rsum"], "rsum", "", Int("keepdims", 1))
        .RawInitializer(new TensorProto { Name = "axes", DataType = I64, Dims = { 1 }, Int64Data = { 1 } })
        .Node("ReduceMax", ["b"], ["rmax"], "rmax", "", Ints("axes", 0), Int("keepdims", 0))
        .Node("ArgMax", ["a"], ["argmax"], "argmax", "", Int("axis", 1), Int("keepdims", 0))
        .Output("div", I32, 2, 9).Output("mod", I32, 2, 9).Output("fmod", I32, 2, 9).Output("arith", I32, 2, 9)
        .Output("max", I32, 2, 9).Output("min", I32, 2, 9).Output("neg", I32, 2, 9).Output("abs", I32, 2, 9)
        .Output("mask64", I64, 2, 9).Output("maskf", F32, 2, 9).Output("and", Bool, 2, 9).Output("or", Bool, 2, 9).Output("xor", Bool, 2, 9)
        .Output("ge", Bool, 2, 9).Output("gt", Bool, 2, 9).Output("where", F32, 2, 9).Output("wherei", I32, 2, 9)
        .Output("xi", I32, 2, 9).Output("af", F32, 2, 9).Output("xb", Bool, 2, 9).Output("ltT", Bool, 9, 2)
        .Output("rsum", I32, 2, 1).Output("rmax", I32, 9).Output("argmax", I64, 2)
        .Save(_dir.File("intops.onnx"));

    private static RawTensor Raw(Tensor t) => new(t.DataType.ShortName(), t.Shape, t.ToBytes());

    [Fact]
    public void Integer_and_bool_operators_match_onnx_runtime_with_every_kernel_native()
    {
        string model = Model();
        var rng = new Random(7);
        int[] shape = [2, 9];
        // b never 0 (ONNX leaves x/0 undefined for integers); signs mixed so Mod and fmod differ
        var a = Tensor.FromLongs(DataType.Int32, shape, [.. Enumerable.Range(0, 18).Select(_ => (long)rng.Next(-50, 51))]);
        var b = Tensor.FromLongs(DataType.Int32, shape, [.. Enumerable.Range(0, 18).Select(_ => (long)(rng.Next(1, 8) * (rng.Next(2) == 0 ? -1 : 1)))]);
        // x: fractions away from integers (a cast truncates), zeros (cast to bool)
        var x = Tensor.FromDoubles(DataType.Float32, shape, [.. Enumerable.Range(0, 18).Select(i => i % 5 == 0 ? 0 : Math.Round(rng.NextDouble() * 20 - 10, 1) + 0.05)]);
        var ids = Tensor.FromLongs(shape, [.. Enumerable.Range(0, 18).Select(i => i % 3 == 0 ? 0L : rng.Next(1, 30000))]);
        var inputs = new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["x"] = x, ["ids"] = ids };

        string pkg = _dir.File("pkg");
        var program = ModelCompiler.Compile(model, new CompileSettings()).Program!;
        var manifest = PackageWriter.Write(program, pkg, ["wasm"]);
        var fallbacks = manifest.Backends["wasm"].Kernels.Where(k => k.Entry!.StartsWith("js:", StringComparison.Ordinal)).ToList();
        Assert.True(fallbacks.Count == 0, $"{fallbacks.Count} kernels fall back to js: {string.Join(", ", fallbacks.Select(k => $"{k.Primitive} ({k.Origin})"))}");

        var result = NodeRunner.Run(pkg, inputs.ToDictionary(kv => kv.Key, kv => Raw(kv.Value)), ["wasm"]);
        Assert.True(result.Ok, result.Error);
        Assert.Equal("wasm", result.Backend);
        var expected = OrtOracle.Run(model, inputs);
        foreach (var (name, e) in expected)
        {
            var r = result.Outputs[name];
            var got = Tensor.FromBytes(DataTypes.FromShortName(r.Dtype), r.Shape, r.Data);
            Assert.Equal(e.DataType, got.DataType);
            var cmp = TensorComparer.Compare(name, e, got, Tolerance.Fp32Js);
            Assert.True(cmp.Passed, cmp.ToString());
        }
    }
}
