using Google.Protobuf;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using static WebDnn.Tests.Support.OnnxParts;

namespace WebDnn.Tests.Fuzz;

/// <summary>
/// The models the fuzzer mutates: small, built in code, shaped like the real exports (a CNN block with BatchNorm, a
/// transformer block with a spelled-out LayerNorm and Erf-GELU, shape plumbing, a model-local function, an If with
/// subgraphs, a Constant). Real model files can be added with WEBDNN_FUZZ_SEEDS (docs/compiler.md "Fuzzing").
/// </summary>
internal static class FuzzSeeds
{
    public static IReadOnlyList<(string Name, byte[] Bytes)> All()
    {
        var seeds = new List<(string, byte[])>
        {
            ("cnn", Cnn()),
            ("transformer", Transformer()),
            ("elementwise", Elementwise()),
            ("structure", Structure()),
            ("spatial", Spatial()),
        };
        var extra = Environment.GetEnvironmentVariable("WEBDNN_FUZZ_SEEDS");
        foreach (var path in (extra ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            seeds.Add((Path.GetFileName(path), File.ReadAllBytes(path)));
        }
        return seeds;
    }

    private static float[] Ramp(int n, float scale = 0.1f) => Enumerable.Range(0, n).Select(i => ((i * 7919) % 17 - 8) * scale).ToArray();

    private static byte[] Cnn() => new OnnxBuilder()
        .Input("image", 1, 1, 3, 8, 8)
        .Initializer("w1", [4, 3, 3, 3], Ramp(108))
        .Initializer("b1", [4], Ramp(4))
        .Initializer("scale", [4], [1, 2, 0.5f, 1])
        .Initializer("shift", [4], Ramp(4))
        .Initializer("mean", [4], Ramp(4, 0.01f))
        .Initializer("var", [4], [1, 1, 2, 0.5f])
        .Initializer("w2", [4, 1, 3, 3], Ramp(36))
        .Initializer("fc", [4, 5], Ramp(20))
        .Initializer("fcb", [5], Ramp(5))
        .Node("Conv", ["image", "w1", "b1"], ["c1"], "conv1", "", Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3))
        .Node("BatchNormalization", ["c1", "scale", "shift", "mean", "var"], ["bn1"], "bn1", "", Float("epsilon", 1e-5f))
        .Node("Relu", ["bn1"], ["r1"], "relu1")
        .Node("Conv", ["r1", "w2"], ["c2"], "dw", "", Int("group", 4), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1))
        .Node("Add", ["c2", "c2"], ["a2"], "residual")
        .Node("Clip", ["a2"], ["r2"], "relu6")
        .Node("MaxPool", ["r2"], ["p"], "pool", "", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
        .Node("GlobalAveragePool", ["p"], ["gap"], "gap")
        .Node("Flatten", ["gap"], ["flat"], "flatten")
        .Node("Gemm", ["flat", "fc", "fcb"], ["logits"], "fc")
        .Node("Softmax", ["logits"], ["probs"], "softmax", "", Int("axis", -1))
        .Output("probs", 1, 1, 5)
        .ToBytes();

    private static byte[] Transformer()
    {
        var b = new OnnxBuilder()
            .Input("tokens", 7, 1, 6)
            .Initializer("embed", [10, 8], Ramp(80))
            .Initializer("wq", [8, 8], Ramp(64))
            .Initializer("gamma", [8], Ramp(8))
            .Initializer("beta", [8], Ramp(8))
            .Initializer("eps", [], [1e-5f])
            .Initializer("two", [], [2])
            .Initializer("half", [], [0.5f])
            .Initializer("one", [], [1])
            .Initializer("rsqrt2", [], [0.70710678f]);
        var axes = new TensorProto { Name = "axes", DataType = 7, Dims = { 1 }, Int64Data = { -1 } };
        var shape = new TensorProto { Name = "shape", DataType = 7, Dims = { 3 }, Int64Data = { 1, 6, 8 } };
        b.RawInitializer(axes).RawInitializer(shape);
        return b
            .Node("Gather", ["embed", "tokens"], ["e"], "embedding")
            .Node("MatMul", ["e", "wq"], ["q"], "q_proj")
            .Node("ReduceMean", ["q", "axes"], ["mu"], "ln_mean")
            .Node("Sub", ["q", "mu"], ["d"], "ln_sub")
            .Node("Pow", ["d", "two"], ["sq"], "ln_pow")
            .Node("ReduceMean", ["sq", "axes"], ["var"], "ln_var")
            .Node("Add", ["var", "eps"], ["ve"], "ln_add_eps")
            .Node("Sqrt", ["ve"], ["std"], "ln_sqrt")
            .Node("Div", ["d", "std"], ["nrm"], "ln_div")
            .Node("Mul", ["nrm", "gamma"], ["sc"], "ln_scale")
            .Node("Add", ["sc", "beta"], ["ln"], "ln_shift")
            .Node("Mul", ["ln", "rsqrt2"], ["g1"], "gelu_div")
            .Node("Erf", ["g1"], ["g2"], "gelu_erf")
            .Node("Add", ["g2", "one"], ["g3"], "gelu_add")
            .Node("Mul", ["ln", "g3"], ["g4"], "gelu_mul")
            .Node("Mul", ["g4", "half"], ["g5"], "gelu_half")
            .Node("Transpose", ["g5"], ["t"], "transpose", "", Ints("perm", 0, 2, 1))
            .Node("MatMul", ["g5", "t"], ["att"], "scores")
            .Node("Softmax", ["att"], ["p"], "attn_softmax", "", Int("axis", -1))
            .Node("MatMul", ["p", "g5"], ["ctx"], "context")
            .Node("Reshape", ["ctx", "shape"], ["out"], "reshape")
            .Output("out", 1, 1, 6, 8)
            .ToBytes();
    }

    private static byte[] Elementwise() => new OnnxBuilder()
        .Input("x", 1, 2, 3, 4)
        .Input("y", 1, 3, 1)
        .Initializer("c", [4], [1, -2, 3, -4])
        .Node("Add", ["x", "y"], ["a"], "add")
        .Node("Mul", ["a", "c"], ["m"], "mul")
        .Node("Sigmoid", ["m"], ["s"], "sigmoid")
        .Node("Tanh", ["s"], ["t"], "tanh")
        .Node("Greater", ["t", "s"], ["gt"], "greater")
        .Node("Where", ["gt", "t", "m"], ["w"], "where")
        .Node("Cast", ["w"], ["ci"], "cast", "", Int("to", 6))
        .Node("Cast", ["ci"], ["cf"], "cast_back", "", Int("to", 1))
        .Node("Sum", ["cf", "w", "x"], ["sum"], "sum")
        .Node("Max", ["sum", "x"], ["mx"], "max")
        .Node("Div", ["mx", "c"], ["z"], "div")
        .Output("z", 1, 2, 3, 4)
        .ToBytes();

    private static byte[] Structure()
    {
        var b = new OnnxBuilder().Opset("local", 1).Input("x", 1, 2, 4)
            .RawInitializer(new TensorProto { Name = "cond", DataType = 9, Int32Data = { 1 } });
        var model = ModelProto.Parser.ParseFrom(b.ToBytes());
        var g = model.Graph;
        var value = new TensorProto { Name = "k", DataType = 1, Dims = { 4 }, FloatData = { 1, 2, 3, 4 } };
        g.Node.Add(new NodeProto { OpType = "Constant", Name = "const", Output = { "k" }, Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value } } });
        g.Node.Add(new NodeProto { OpType = "Scale2", Domain = "local", Name = "call", Input = { "x", "k" }, Output = { "f" } });
        GraphProto Branch(string op, string name)
        {
            var sub = new GraphProto { Name = name };
            sub.Node.Add(new NodeProto { OpType = op, Name = name + "_op", Input = { "f" }, Output = { name + "_out" } });
            sub.Output.Add(OnnxBuilder.ValueInfo(name + "_out", 1, [2, 4]));
            return sub;
        }
        g.Node.Add(new NodeProto
        {
            OpType = "If",
            Name = "branch",
            Input = { "cond" },
            Output = { "y" },
            Attribute =
            {
                new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("Relu", "then") },
                new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("Neg", "else") },
            },
        });
        g.Node.Add(new NodeProto { OpType = "Concat", Name = "concat", Input = { "y", "f" }, Output = { "cat" }, Attribute = { Int("axis", 0) } });
        g.Node.Add(new NodeProto { OpType = "Slice", Name = "slice", Input = { "cat", "starts", "ends" }, Output = { "out" } });
        g.Initializer.Add(new TensorProto { Name = "starts", DataType = 7, Dims = { 1 }, Int64Data = { 1 } });
        g.Initializer.Add(new TensorProto { Name = "ends", DataType = 7, Dims = { 1 }, Int64Data = { 3 } });
        g.Output.Add(OnnxBuilder.ValueInfo("out", 1, [2, 2, 4]));
        var fn = new FunctionProto { Name = "Scale2", Domain = "local", Input = { "a", "s" }, Output = { "r" } };
        fn.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        fn.Node.Add(new NodeProto { OpType = "Mul", Input = { "a", "s" }, Output = { "t" } });
        fn.Node.Add(new NodeProto { OpType = "Add", Input = { "t", "a" }, Output = { "r" } });
        model.Functions.Add(fn);
        return model.ToByteArray();
    }

    private static byte[] Spatial()
    {
        var scales = new TensorProto { Name = "scales", DataType = 1, Dims = { 4 }, FloatData = { 1, 1, 2, 2 } };
        var pads = new TensorProto { Name = "pads", DataType = 7, Dims = { 8 }, Int64Data = { 0, 0, 1, 1, 0, 0, 1, 1 } };
        return new OnnxBuilder()
            .Input("x", 1, 1, 2, 5, 5)
            .Initializer("wt", [2, 3, 2, 2], Ramp(24))
            .RawInitializer(scales)
            .RawInitializer(pads)
            .Node("ConvTranspose", ["x", "wt"], ["up"], "deconv", "", Ints("strides", 2, 2))
            .Node("AveragePool", ["up"], ["ap"], "avgpool", "", Ints("kernel_shape", 3, 3), Int("ceil_mode", 1), Ints("pads", 1, 1, 1, 1))
            .Node("Pad", ["ap", "pads"], ["pd"], "pad", "", new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("reflect") })
            .Node("Resize", ["pd", "", "scales"], ["rs"], "resize")
            .Node("ReduceMax", ["rs"], ["red"], "reduce", "", Ints("axes", 2, 3), Int("keepdims", 1))
            .Node("InstanceNormalization", ["rs", "s3", "b3"], ["in"], "instnorm")
            .Initializer("s3", [3], [1, 2, 3])
            .Initializer("b3", [3], [0, 1, 0])
            .Node("Mul", ["in", "red"], ["out"], "mul")
            .Output("out", 1)
            .ToBytes();
    }
}
