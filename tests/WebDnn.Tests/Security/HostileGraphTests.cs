using System.IO.Compression;
using Google.Protobuf;
using WebDnn.Core;
using WebDnn.Onnx;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using static WebDnn.Tests.Cli.CliErrorTests;

namespace WebDnn.Tests.Security;

/// <summary>
/// Small hostile models that once crashed the process (stack overflow, abort), blew up (exponential inlining, memory
/// allocated before validation) or ended in an internal error: each must now end in exit code 3 with a message naming
/// the node, tensor or limit.
/// </summary>
public sealed class HostileGraphTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static FunctionProto Function(string name, params (string Op, string[] In, string[] Out)[] nodes)
    {
        var f = new FunctionProto { Name = name, Domain = "local" };
        f.Input.Add("x");
        f.Output.Add("y");
        f.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        foreach (var (op, ins, outs) in nodes)
        {
            var n = new NodeProto { OpType = op, Domain = op.StartsWith('f') ? "local" : "" };
            n.Input.AddRange(ins);
            n.Output.AddRange(outs);
            f.Node.Add(n);
        }
        return f;
    }

    private string WithFunctions(string called, params FunctionProto[] functions)
    {
        var b = new OnnxBuilder().Opset("local", 1).Input("x", 1, 1, 4).Node(called, ["x"], ["y"], "call0", "local").Output("y");
        var model = ModelProto.Parser.ParseFrom(b.ToBytes());
        model.Functions.AddRange(functions);
        var path = _dir.File("f.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    [Fact]
    public void A_self_recursive_function_is_refused()
    {
        var path = WithFunctions("f0", Function("f0", ("f0", ["x"], ["y"])));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("calls itself", err, StringComparison.Ordinal);
        Assert.Contains("call0", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutually_recursive_functions_are_refused()
    {
        var path = WithFunctions("fa", Function("fa", ("fb", ["x"], ["y"])), Function("fb", ("fa", ["x"], ["y"])));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("calls itself", err, StringComparison.Ordinal);
        Assert.Contains("'fb'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Exponential_inlining_is_refused_before_building()
    {
        // f_k calls f_(k-1) twice; f_0 is one Relu: f_30 stands for 2^30 nodes in a model of a few KB.
        var fs = new List<FunctionProto> { Function("f0", ("Relu", ["x"], ["y"])) };
        for (int k = 1; k <= 30; k++)
        {
            fs.Add(Function($"f{k}", ($"f{k - 1}", ["x"], ["t"]), ($"f{k - 1}", ["t"], ["y"])));
        }
        var path = WithFunctions("f30", [.. fs]);
        Assert.True(new FileInfo(path).Length < 4096);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (code, _, err) = Run("inspect", path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("MaxNodes", err, StringComparison.Ordinal);
        Assert.Contains("1,073,741,824", err, StringComparison.Ordinal);
        Assert.True(allocated < 64 << 20, $"allocated {allocated:N0} bytes before refusing");
    }

    [Fact]
    public void Functions_nested_too_deep_name_the_limit()
    {
        var fs = new List<FunctionProto> { Function("f0", ("Relu", ["x"], ["y"])) };
        for (int k = 1; k <= 40; k++)
        {
            fs.Add(Function($"f{k}", ($"f{k - 1}", ["x"], ["y"])));
        }
        var (code, _, err) = Run("inspect", WithFunctions("f40", [.. fs]));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("MaxFunctionDepth", err, StringComparison.Ordinal);
    }

    private static OnnxBuilder Variadic(string op, int inputs)
    {
        var b = new OnnxBuilder();
        var names = new string[inputs];
        for (int i = 0; i < inputs; i++)
        {
            names[i] = $"x{i}";
            b.Input(names[i], 1, 1, 4);
        }
        return b.Node(op, names, ["y"], "wide_" + op).Output("y", 1, 1, 4);
    }

    [Fact]
    public void A_node_with_too_many_inputs_names_the_limit_and_the_node()
    {
        var path = Variadic("Sum", 30_000).Save(_dir.File("wide.onnx"));
        var (code, _, err) = Run("compile", path, "-o", _dir.File("out"));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("MaxInputsPerNode", err, StringComparison.Ordinal);
        Assert.Contains("wide_Sum", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sum_at_the_input_limit_inspects_and_its_expression_stays_shallow()
    {
        var path = Variadic("Sum", Limits.Default.MaxInputsPerNode).Save(_dir.File("wide.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.True(code == ExitCodes.Success, err);
    }

    [Fact]
    public void Sorting_a_long_chain_listed_in_reverse_does_not_recurse_per_node()
    {
        // Graph.TopoSort used to recurse once per node when producers came after their consumers.
        const int n = 200_000;
        var g = new Graph();
        var v = new Value("v0", TensorType.Of(DataType.Float32, [1, 4]));
        g.Inputs.Add(v);
        for (int i = 1; i <= n; i++)
        {
            v = g.AddNode("Relu", [v], name: $"r{i}").Outputs[0];
        }
        g.Outputs.Add(v);
        g.Nodes.Reverse();
        g.TopoSort();
        Assert.Equal("r1", g.Nodes[0].Name);
        Assert.Equal($"r{n}", g.Nodes[^1].Name);
    }

    [Fact]
    public void Huge_pads_and_strides_name_the_node()
    {
        var path = new OnnxBuilder()
            .Input("x", 1, 1, 1, 8, 8)
            .Initializer("w", [1, 1, 3, 3], new float[9])
            .Node("Conv", ["x", "w"], ["y"], "conv_big", "", new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1L << 40, 0, 0, 0 } })
            .Output("y")
            .Save(_dir.File("pads.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("conv_big", err, StringComparison.Ordinal);
        Assert.Contains("pads", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, "Constant", "value")]
    [InlineData(5, "If", "then_branch")]
    public void Tensor_and_graph_attributes_without_payload_name_the_attribute(int attrType, string op, string attr)
    {
        var type = (AttributeProto.Types.AttributeType)attrType;
        var inputs = op == "If" ? new[] { "c" } : [];
        var path = new OnnxBuilder().Input("c", 9)
            .Node(op, inputs, ["y"], "empty_attr", "", new AttributeProto { Name = attr, Type = type })
            .Output("y")
            .Save(_dir.File("attr.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("empty_attr", err, StringComparison.Ordinal);
        Assert.Contains($"'{attr}'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Relu")]
    [InlineData("Cast")]
    [InlineData("Sqrt")]
    public void An_elementwise_node_without_inputs_names_the_node(string op)
    {
        var to = new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = 1 };
        var path = new OnnxBuilder().Input("x", 1, 1, 4).Node(op, [], ["y"], "no_inputs", "", to).Output("y")
            .Save(_dir.File("noin.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("no_inputs", err, StringComparison.Ordinal);
        Assert.Contains("input", err, StringComparison.Ordinal);
    }

    /// <summary>Shapes the fuzzer found reaching an index out of range (fixed; kept as a corpus built by code).</summary>
    [Theory]
    [InlineData("Split", 0, 3)]
    [InlineData("Slice", 0, 3)]
    [InlineData("ConvTranspose", 2, 3)]
    [InlineData("ConvTranspose", 4, 1)]
    [InlineData("InstanceNormalization", 1, 3)]
    public void Fuzzer_found_rank_mismatches_name_the_node(string op, int inputRank, int paramRank)
    {
        var b = new OnnxBuilder().Input("x", 1, [.. Enumerable.Repeat(2L, inputRank)]);
        var p = Enumerable.Repeat(2L, paramRank).ToArray();
        string[] inputs = op switch
        {
            "Slice" => ["x", "starts", "ends"],
            "Split" => ["x"],
            "InstanceNormalization" => ["x", "p", "p"],
            _ => ["x", "p"],
        };
        b.Initializer("p", p, new float[1 << paramRank]);
        b.RawInitializer(new TensorProto { Name = "starts", DataType = 7, Dims = { 1 }, Int64Data = { 0 } });
        b.RawInitializer(new TensorProto { Name = "ends", DataType = 7, Dims = { 1 }, Int64Data = { 1 } });
        var path = b.Node(op, inputs, op == "Split" ? ["y", "z"] : ["y"], "rank_bad").Output("y").Save(_dir.File("rank.onnx"));
        var (code, _, err) = Run("compile", path, "-o", _dir.File("out"));
        Assert.True(code is ExitCodes.InvalidModel or ExitCodes.Unsupported, err);
        Assert.Contains("rank_bad", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_norm_statistics_of_the_wrong_length_name_the_input()
    {
        var path = new OnnxBuilder()
            .Input("x", 1, 1, 4, 2, 2)
            .Initializer("s", [4], [1, 1, 1, 1])
            .Initializer("b", [4], [0, 0, 0, 0])
            .Initializer("m", [3], [0, 0, 0])
            .Initializer("v", [4], [1, 1, 1, 1])
            .Node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], "bn_bad")
            .Output("y")
            .Save(_dir.File("bn.onnx"));
        var (code, _, err) = Run("compile", path, "-o", _dir.File("out"));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("bn_bad", err, StringComparison.Ordinal);
        Assert.Contains("input_mean", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1L << 30)]
    [InlineData(8, 1L << 28)]
    public void A_tensor_declaring_many_elements_without_data_is_refused_before_allocating(int elemType, long count)
    {
        var t = new TensorProto { Name = "hollow", DataType = elemType };
        t.Dims.Add(count);
        var path = new OnnxBuilder().Input("x", 1, 1, 4).RawInitializer(t).Node("Identity", ["x"], ["y"], "id").Output("y")
            .Save(_dir.File("hollow.onnx"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (code, _, err) = Run("inspect", path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("'hollow' holds 0 values", err, StringComparison.Ordinal);
        Assert.True(allocated < 64 << 20, $"allocated {allocated:N0} bytes before refusing");
    }

    [Fact]
    public void An_activation_larger_than_the_arena_limit_is_refused_before_lowering()
    {
        // 65 bytes of model asking for a 4 GiB activation (Expand to 2^30 floats).
        var shape = new TensorProto { Name = "big_shape", DataType = 7, Dims = { 1 }, Int64Data = { 1L << 30 } };
        var path = new OnnxBuilder().Input("x", 1, 1).RawInitializer(shape).Node("Expand", ["x", "big_shape"], ["y"], "expand_big").Output("y")
            .Save(_dir.File("expand.onnx"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (code, _, err) = Run("compile", path, "-o", _dir.File("out"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("MaxArenaBytes", err, StringComparison.Ordinal);
        Assert.Contains("expand_big", err, StringComparison.Ordinal);
        Assert.True(allocated < 64 << 20, $"allocated {allocated:N0} bytes before refusing");
    }

    [Fact]
    public void An_arena_over_the_limit_after_planning_is_refused_with_its_sizes()
    {
        // Two outputs of 1.2 GB each: each under MaxArenaBytes alone (shape inference lets them through), both live at
        // the end of the run, so the planned arena (2.4 GB) is over it.
        var shape = new TensorProto { Name = "big_shape", DataType = 7, Dims = { 1 }, Int64Data = { 300_000_000 } };
        var path = new OnnxBuilder().Input("x", 1, 1).RawInitializer(shape)
            .Node("Expand", ["x", "big_shape"], ["y"], "expand_y").Node("Neg", ["y"], ["z"], "neg_z").Output("y").Output("z")
            .Save(_dir.File("two.onnx"));
        var (code, _, err) = Run("compile", path, "-o", _dir.File("out"), "--backends", "js");
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("MaxArenaBytes", err, StringComparison.Ordinal);
        // 2.4 GB of outputs plus the 4-byte input, each slot aligned: the sizes are named, the input/output part too.
        Assert.Matches(@"arena after memory planning needs 2,400,000,\d{3} bytes \(2,400,000,\d{3} for inputs and outputs", err);
        Assert.False(Directory.Exists(_dir.File("out")), "a refused model left a package behind");
    }

    [Fact]
    public void Raw_data_of_the_wrong_size_names_the_tensor()
    {
        var t = new TensorProto { Name = "short_raw", DataType = 1, RawData = ByteString.CopyFrom(new byte[12]) };
        t.Dims.AddRange([1, 4]);
        var path = new OnnxBuilder().Input("x", 1, 1, 4).RawInitializer(t).Node("Add", ["x", "short_raw"], ["y"]).Output("y")
            .Save(_dir.File("raw.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("'short_raw'", err, StringComparison.Ordinal);
        Assert.Contains("12 bytes", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gzip_bomb_stops_at_the_decompression_limit()
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(new byte[4 << 20]);
        }
        var limits = new Limits { MaxDecompressedBytes = 1 << 20 };
        var e = Assert.Throws<InvalidModelException>(() => OnnxImporter.Load(ms.ToArray(), null, "bomb.onnx.gz", limits));
        Assert.Contains("MaxDecompressedBytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("bomb.onnx.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_escapes_control_characters_in_names_and_messages()
    {
        const string name = "x\u001b[2J\nerror: fake line\u2028";
        var ok = new OnnxBuilder().Input(name, 1, 1, 4).Node("Relu", [name], ["y"], "relu\u001b[31m").Output("y").Save(_dir.File("esc.onnx"));
        var (code, stdout, err) = Run("inspect", ok);
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("x\\u001b[2J\\u000aerror: fake line\\u2028", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stdout);
        Assert.DoesNotContain("\nerror: fake", stdout, StringComparison.Ordinal);

        var bad = new OnnxBuilder().Input("x", 1, 1, 4).Node("Relu", ["ghost\u001b[2J\nfake"], ["y"], "relu\u001b[31m").Output("y").Save(_dir.File("esc_bad.onnx"));
        (code, _, err) = Run("inspect", bad);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("relu\\u001b[31m", err, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', err);
        Assert.DoesNotContain("\nfake", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_model_names_a_real_byte_offset()
    {
        var bytes = new OnnxBuilder().Input("x", 1, 1, 4).Initializer("w", [1, 4], [1, 2, 3, 4])
            .Node("Add", ["x", "w"], ["y"], "add0").Output("y", 1, 1, 4).ToBytes();
        int cut = bytes.Length - 5;
        var e = Assert.Throws<InvalidModelException>(() => OnnxImporter.Load(bytes[..cut], null, "cut.onnx"));
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"near byte offset (\d+) of (\d+)");
        Assert.True(m.Success, e.Message);
        long offset = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(offset, 1, cut - 1);
    }
}
