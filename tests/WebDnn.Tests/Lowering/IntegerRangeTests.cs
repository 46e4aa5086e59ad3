using Google.Protobuf;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Ops.Reference;
using WebDnn.Tests.Cli;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tests.Lowering;

/// <summary>
/// int64 (uint32, uint64) values live in 32-bit buffers after lowering. The integer range analysis
/// (src/WebDnn.Lowering/IntegerRanges.cs) keeps that narrowing only where it is proven exact: a model that would wrap
/// is refused (exit 4, naming node and value), arithmetic on inputs gets an input bound the runtime enforces, and
/// indices, shapes and clamped slice bounds keep the full range. The expected values come from ONNX Runtime.
/// </summary>
public sealed class IntegerRangeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static TensorProto Int64(string name, long[] dims, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    /// <summary>y = x · <paramref name="factor"/> + 1 on an int64 input of 4 elements.</summary>
    internal static string AffineInt64(string path, long factor) => new OnnxBuilder()
        .Input("x", (int)DataType.Int64, 4)
        .RawInitializer(Int64("factor", [], factor))
        .RawInitializer(Int64("one", [], 1))
        .Node("Mul", ["x", "factor"], ["m"], "mul_big")
        .Node("Add", ["m", "one"], ["y"], "add_one")
        .Output("y", (int)DataType.Int64, 4)
        .Save(path);

    [Fact]
    public void Int64_arithmetic_beyond_32_bits_is_refused_naming_the_node_and_the_value()
    {
        string model = AffineInt64(_dir.File("big.onnx"), 3_000_000_000);
        var x = Tensor.FromLongs([4], [1, 2, -1, 0]);
        // What a right answer looks like: ONNX Runtime, and our reference evaluator, compute in 64 bits.
        var ort = OrtOracle.Run(model, new Dictionary<string, Tensor> { ["x"] = x })["y"];
        Assert.Equal([3_000_000_001L, 6_000_000_001L, -2_999_999_999L, 1L], Longs(ort));
        var g = WebDnn.Onnx.OnnxImporter.Load(model);
        Assert.Equal(Longs(ort), Longs(Interpreter.Run(g, new Dictionary<Value, Tensor> { [g.Inputs[0]] = x })[0]));

        // The 32-bit kernels would give −1294967295 for the first element: compiling refuses instead.
        string outDir = _dir.File("pkg");
        var (code, _, err) = CliErrorTests.Run("compile", model, "-o", outDir);
        Assert.True(code == ExitCodes.Unsupported, err);
        foreach (var part in new[] { "'mul_big'", "'add_one'", "Mul('x', 3000000000)", "i64 with values in [-3000000000, 3000000000]" })
        {
            Assert.True(err.Contains(part, StringComparison.Ordinal), $"'{part}' not in:\n{err}");
        }
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Int64_arithmetic_that_fits_for_smaller_inputs_gets_an_input_bound()
    {
        string model = AffineInt64(_dir.File("affine.onnx"), 1000);
        var program = ModelCompiler.Compile(model, new CompileSettings()).Program!;
        // x · 1000 + 1 stays within int32 exactly for |x| ≤ 2147483 (2147483 · 1000 + 1 = 2147483001 < 2^31).
        Assert.Equal(2_147_483L, program.Inputs.Single().MaxAbs);
        var (code, _, err) = CliErrorTests.Run("compile", model, "-o", _dir.File("pkg"));
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("note: input 'x' accepts values within ±2147483 only", err, StringComparison.Ordinal);
        Assert.Contains("\"maxAbs\": 2147483", File.ReadAllText(Path.Combine(_dir.File("pkg"), "model.json")), StringComparison.Ordinal);

        // `webdnn run` refuses an input beyond the bound as bad usage, before it starts a browser.
        string npy = _dir.File("x.npy");
        WebDnn.Tooling.Npy.Write(npy, Tensor.FromLongs([4], [0, 3_000_000, 0, 0]));
        (code, _, err) = CliErrorTests.Run("run", _dir.File("pkg"), "--input", "x=" + npy);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--input 'x': element 1 is 3000000, outside ±2147483", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Int64_indices_and_clamped_slice_bounds_keep_their_full_range()
    {
        var data = new OnnxBuilder()
            .Input("data", 1, 5, 3)
            .Input("idx", (int)DataType.Int64, 2)
            .RawInitializer(Int64("starts", [1], 1))
            .RawInitializer(Int64("ends", [1], long.MaxValue))
            .RawInitializer(Int64("axes", [1], 0))
            .Node("Gather", ["data", "idx"], ["g"], "gather_rows")
            .Node("Slice", ["g", "starts", "ends", "axes"], ["y"], "slice_to_end")
            .Output("y", 1, 1, 3)
            .Save(_dir.File("gather.onnx"));
        var program = ModelCompiler.Compile(data, new CompileSettings()).Program!;
        Assert.All(program.Inputs, io => Assert.Null(io.MaxAbs));
    }

    [Fact]
    public void Unsigned_subtraction_below_zero_wraps_as_in_onnx_and_needs_no_bound()
    {
        // x − y for uint64 wraps modulo 2^64; the 32-bit buffer holds the residue (−2 for 1 − 3) and the runtime's
        // conversion back wraps the same way, so no bound is needed (the browser test checks the values).
        var program = ModelCompiler.Compile(UnsignedSub(_dir.File("usub.onnx")), new CompileSettings()).Program!;
        Assert.All(program.Inputs, io => Assert.Null(io.MaxAbs));
    }

    [Fact]
    public void Ordering_a_wrapped_unsigned_value_is_refused()
    {
        // (x − y) / 2 reads the residue as a number: 1 − 3 is 2^64 − 2 in ONNX, −2 in 32 bits; the halves differ.
        var path = new OnnxBuilder()
            .Input("x", (int)DataType.UInt64, 2)
            .Input("y", (int)DataType.UInt64, 2)
            .RawInitializer(new TensorProto { Name = "two", DataType = (int)DataType.UInt64, Uint64Data = { 2 } })
            .Node("Sub", ["x", "y"], ["d"], "sub_wraps")
            .Node("Div", ["d", "two"], ["z"], "div_orders")
            .Output("z", (int)DataType.UInt64, 2)
            .Save(_dir.File("udiv.onnx"));
        var e = Assert.Throws<UnsupportedModelException>(() => ModelCompiler.Compile(path, new CompileSettings()));
        Assert.True(e.Message.Contains("'div_orders'", StringComparison.Ordinal), e.Message);
    }

    internal static string UnsignedSub(string path) => new OnnxBuilder()
        .Input("x", (int)DataType.UInt64, 2)
        .Input("y", (int)DataType.UInt64, 2)
        .Node("Sub", ["x", "y"], ["z"], "sub_wraps")
        .Output("z", (int)DataType.UInt64, 2)
        .Save(path);

    internal static long[] Longs(Tensor t) => [.. Enumerable.Range(0, t.Length).Select(t.GetLong)];
}
