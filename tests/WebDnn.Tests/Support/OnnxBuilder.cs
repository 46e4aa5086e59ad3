using Google.Protobuf;
using WebDnn.Onnx.Protos;

namespace WebDnn.Tests.Support;

/// <summary>Builds small ONNX models in tests (through the importer's own protobuf classes).</summary>
internal sealed class OnnxBuilder
{
    private readonly ModelProto _model = new() { IrVersion = 8, ProducerName = "webdnn-tests", Graph = new GraphProto { Name = "test" } };

    public OnnxBuilder(int opset = 17) => _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });

    public OnnxBuilder Opset(string domain, int version)
    {
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        return this;
    }

    public OnnxBuilder IrVersion(long v)
    {
        _model.IrVersion = v;
        return this;
    }

    public OnnxBuilder Input(string name, int elemType, params long[] dims)
    {
        _model.Graph.Input.Add(ValueInfo(name, elemType, dims));
        return this;
    }

    public OnnxBuilder Output(string name, int elemType = 1, params long[] dims)
    {
        _model.Graph.Output.Add(ValueInfo(name, elemType, dims));
        return this;
    }

    public OnnxBuilder Node(string op, string[] inputs, string[] outputs, string name = "", string domain = "", params AttributeProto[] attrs)
    {
        var n = new NodeProto { OpType = op, Name = name, Domain = domain };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attrs);
        _model.Graph.Node.Add(n);
        return this;
    }

    public OnnxBuilder Initializer(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        _model.Graph.Initializer.Add(t);
        return this;
    }

    public OnnxBuilder RawInitializer(TensorProto t)
    {
        _model.Graph.Initializer.Add(t);
        return this;
    }

    public byte[] ToBytes() => _model.ToByteArray();

    public string Save(string path)
    {
        File.WriteAllBytes(path, ToBytes());
        return path;
    }

    public static ValueInfoProto ValueInfo(string name, int elemType, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } } };
    }
}

/// <summary>A temporary folder deleted at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "webdnn-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
