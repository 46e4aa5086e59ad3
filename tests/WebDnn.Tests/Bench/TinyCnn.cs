using System.IO.Compression;
using Google.Protobuf;
using WebDnn.Onnx.Protos;
using static WebDnn.Tests.Support.OnnxParts;

namespace WebDnn.Tests.Bench;

/// <summary>
/// A tiny CNN written as an ONNX file for the bench tests: the op mix of the zoo CNNs in a few KB
/// (Conv+Relu, depthwise Conv+Clip(0,6), residual Add, MaxPool ceil_mode, AveragePool count_include_pad,
/// Concat, GlobalAveragePool, Flatten, Gemm, Softmax), seeded weights.
/// </summary>
public static class TinyCnn
{
    public const string Input = "x";
    public const string Output = "probs";

    /// <summary>Writes the model to <paramref name="path"/> (gzip-compressed when it ends in .gz).</summary>
    public static string Write(string path)
    {
        var rng = new Random(7);
        var g = new GraphProto { Name = "tiny_cnn" };
        g.Input.Add(ValueInfo(Input, 1, 3, 16, 16));
        g.Output.Add(ValueInfo(Output, 1, 10));
        void Init(string name, float scale, params long[] dims)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            t.Dims.AddRange(dims);
            long n = dims.Aggregate(1L, (a, b) => a * b);
            for (long i = 0; i < n; i++)
            {
                t.FloatData.Add((float)((rng.NextDouble() * 2 - 1) * scale));
            }
            g.Initializer.Add(t);
        }
        void Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attrs)
        {
            var n = new NodeProto { OpType = op, Name = $"{op}_{g.Node.Count}" };
            n.Input.AddRange(inputs);
            n.Output.AddRange(outputs);
            n.Attribute.AddRange(attrs);
            g.Node.Add(n);
        }
        Init("w1", 0.4f, 8, 3, 3, 3);
        Init("b1", 0.1f, 8);
        Init("w2", 0.5f, 8, 1, 3, 3);
        Init("b2", 0.1f, 8);
        Init("lo", 0, 1);
        Init("hi", 0, 1);
        g.Initializer[^2].FloatData[0] = 0;
        g.Initializer[^1].FloatData[0] = 6;
        Init("wfc", 0.3f, 10, 16);
        Init("bfc", 0.1f, 10);
        Node("Conv", ["x", "w1", "b1"], ["c1"], Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2), Ints("kernel_shape", 3, 3));
        Node("Relu", ["c1"], ["r1"]);
        Node("Conv", ["r1", "w2", "b2"], ["c2"], Ints("pads", 1, 1, 1, 1), Int("group", 8), Ints("kernel_shape", 3, 3));
        Node("Clip", ["c2", "lo", "hi"], ["r2"]);
        Node("Add", ["r2", "r1"], ["s"]);
        Node("MaxPool", ["s"], ["p1"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Int("ceil_mode", 1));
        Node("AveragePool", ["s"], ["p2a"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", 1));
        Node("MaxPool", ["p2a"], ["p2"], Ints("kernel_shape", 1, 1), Ints("strides", 1, 1));
        Node("Concat", ["p1", "p2"], ["cat"], Int("axis", 1));
        Node("GlobalAveragePool", ["cat"], ["gap"]);
        Node("Flatten", ["gap"], ["flat"], Int("axis", 1));
        Node("Gemm", ["flat", "wfc", "bfc"], ["logits"], Int("transB", 1));
        Node("Softmax", ["logits"], [Output], Int("axis", 1));
        var model = new ModelProto { IrVersion = 8, ProducerName = "webdnn-tests", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        byte[] bytes = model.ToByteArray();
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var fs = File.Create(path);
            using var gz = new GZipStream(fs, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
        return path;
    }

    private static ValueInfoProto ValueInfo(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

}
