using Google.Protobuf;
using WebDnn.Onnx.Protos;

namespace WebDnn.Tests.Fuzz;

/// <summary>
/// Schema-aware mutations of an ONNX model. Structural ones edit the parsed <see cref="ModelProto"/> and keep every
/// length consistent (attribute values, dims, element types, op types, input lists, opsets, external-data keys,
/// removed/duplicated nodes and payloads): they reach the importer's and the ops' validation, which truncation never
/// does. Byte-level ones damage the wire format: truncation, bit flips, corrupted varints and length prefixes,
/// duplicated or removed fields. Deterministic for a given <see cref="Random"/> seed.
/// </summary>
internal sealed class ModelMutator(Random rng)
{
    private static readonly long[] s_ints =
    [
        0, 1, -1, 2, 3, -2, 7, 255, 1 << 16, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, 1L << 32, 1L << 40, 1L << 62,
        long.MaxValue, long.MinValue, long.MaxValue - 7,
    ];

    private static readonly float[] s_floats = [0, -0f, 1, -1, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e38f, 1e-45f, 0.5f];

    private static readonly string[] s_strings =
    [
        "", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "reflect", "edge", "constant", "nearest", "linear", "cubic", "LEFT",
        "\0", "\u001b[2J", "\"; alert(1); //", "*/", "</script>", "`${x}`", "\u2028", "../../etc/passwd",
    ];

    private static readonly string[] s_ops =
    [
        "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh", "Cast", "Conv", "ConvTranspose", "MatMul", "Gemm", "BatchNormalization",
        "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Transpose", "Concat", "Slice", "Gather", "Softmax",
        "ReduceMean", "ReduceMax", "Pad", "Resize", "Expand", "Tile", "Where", "Sum", "Max", "Clip", "LayerNormalization",
        "InstanceNormalization", "Squeeze", "Unsqueeze", "Split", "Shape", "ConstantOfShape", "Range", "TopK", "Einsum", "If",
        "Loop", "Identity", "Dropout", "Erf", "Pow", "Sqrt", "DepthToSpace", "CumSum", "NoSuchOp",
    ];

    private static readonly string[] s_locations = ["w.bin", "../w.bin", "/etc/passwd", "a\0b", "", ".", "sub/../../w.bin", "w.bin\n"];

    /// <summary>One mutant of <paramref name="seed"/>: 1–3 mutations, structural three times out of four.</summary>
    public byte[] Mutate(byte[] seed)
    {
        int count = 1 + rng.Next(3);
        byte[] bytes = seed;
        for (int i = 0; i < count; i++)
        {
            bytes = rng.Next(4) == 0 ? MutateBytes(bytes) : MutateStructure(bytes);
        }
        return bytes;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    private byte[] MutateStructure(byte[] bytes)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return MutateBytes(bytes);
        }
        if (model.Graph is null)
        {
            return MutateBytes(bytes);
        }
        var graphs = Graphs(model.Graph).ToList();
        var g = Pick(graphs);
        var nodes = graphs.SelectMany(x => x.Node).Concat(model.Functions.SelectMany(f => f.Node)).ToList();
        switch (rng.Next(16))
        {
            case 0 or 1 when nodes.Count > 0:
                MutateAttribute(Pick(nodes));
                break;
            case 2 when nodes.Count > 0:
                Pick(nodes).OpType = Pick(s_ops);
                break;
            case 3 when nodes.Count > 0:
                MutateNames(Pick(nodes).Input, g);
                break;
            case 4 when nodes.Count > 0:
                MutateNames(Pick(nodes).Output, g);
                break;
            case 5 when g.Node.Count > 0:
                {
                    int i = rng.Next(g.Node.Count);
                    if (rng.Next(2) == 0)
                    {
                        g.Node.RemoveAt(i);
                    }
                    else
                    {
                        g.Node.Insert(rng.Next(g.Node.Count + 1), g.Node[i].Clone());
                    }
                    break;
                }
            case 6 or 7 when g.Initializer.Count > 0:
                MutateTensor(Pick(g.Initializer));
                break;
            case 8 when g.Input.Count + g.Output.Count > 0:
                MutateValueInfo(Pick(g.Input.Concat(g.Output).ToList()));
                break;
            case 9:
                if (model.OpsetImport.Count > 0)
                {
                    Pick(model.OpsetImport).Version = rng.Next(3) == 0 ? Pick(s_ints) : rng.Next(30);
                }
                break;
            case 10:
                model.IrVersion = rng.Next(3) == 0 ? Pick(s_ints) : rng.Next(15);
                break;
            case 11 when model.Functions.Count > 0:
                {
                    // A function that calls itself or another one: recursion and nesting.
                    var f = Pick(model.Functions);
                    var callee = Pick(model.Functions);
                    f.Node.Add(new NodeProto { OpType = callee.Name, Domain = callee.Domain, Input = { f.Input.FirstOrDefault() ?? "" }, Output = { "rec_" + rng.Next(100) } });
                    break;
                }
            case 12 when g.Node.Count > 1:
                {
                    // Out-of-order nodes (a consumer before its producer).
                    int a = rng.Next(g.Node.Count), b = rng.Next(g.Node.Count);
                    (g.Node[a], g.Node[b]) = (g.Node[b].Clone(), g.Node[a].Clone());
                    break;
                }
            case 13 when g.Output.Count > 0:
                Pick(g.Output).Name = rng.Next(2) == 0 ? "" : Pick(g.Node.SelectMany(n => n.Input).DefaultIfEmpty("nowhere").ToList());
                break;
            case 14 when nodes.Count > 0:
                {
                    var n = Pick(nodes);
                    int wide = 1 + rng.Next(rng.Next(3) == 0 ? 5000 : 8);
                    var name = n.Input.FirstOrDefault() ?? "";
                    n.Input.Clear();
                    n.Input.AddRange(Enumerable.Repeat(name, wide));
                    break;
                }
            default:
                if (nodes.Count > 0 && Pick(nodes).Attribute is { Count: > 0 } attrs)
                {
                    attrs.Insert(rng.Next(attrs.Count + 1), Pick(attrs).Clone());
                }
                break;
        }
        return model.ToByteArray();
    }

    private static IEnumerable<GraphProto> Graphs(GraphProto g)
    {
        yield return g;
        foreach (var a in g.Node.SelectMany(n => n.Attribute))
        {
            foreach (var sub in (a.G is null ? [] : new[] { a.G }).Concat(a.Graphs))
            {
                foreach (var inner in Graphs(sub))
                {
                    yield return inner;
                }
            }
        }
    }

    private void MutateAttribute(NodeProto n)
    {
        if (n.Attribute.Count == 0 || rng.Next(5) == 0)
        {
            var name = Pick(new[] { "axis", "axes", "pads", "strides", "kernel_shape", "dilations", "group", "perm", "to", "mode", "value", "then_branch", "keepdims", "epsilon" });
            n.Attribute.Add(new AttributeProto { Name = name, Type = (AttributeProto.Types.AttributeType)rng.Next(1, 15), I = Pick(s_ints) });
            return;
        }
        var a = Pick(n.Attribute);
        switch (rng.Next(8))
        {
            case 0: a.I = Pick(s_ints); break;
            case 1: a.F = Pick(s_floats); break;
            case 2:
                if (a.Ints.Count > 0)
                {
                    a.Ints[rng.Next(a.Ints.Count)] = Pick(s_ints);
                }
                else
                {
                    a.Ints.Add(Pick(s_ints));
                }
                break;
            case 3:
                if (rng.Next(2) == 0)
                {
                    a.Ints.Clear();
                }
                else
                {
                    a.Ints.Add(Pick(s_ints));
                }
                break;
            case 4: a.S = ByteString.CopyFromUtf8(Pick(s_strings)); break;
            case 5: a.Type = (AttributeProto.Types.AttributeType)rng.Next(0, 15); break;
            case 6: a.T = null; a.G = null; a.Tensors.Clear(); a.Graphs.Clear(); break;
            default: a.Name = Pick(s_strings); break;
        }
    }

    private void MutateNames(Google.Protobuf.Collections.RepeatedField<string> names, GraphProto g)
    {
        switch (rng.Next(5))
        {
            case 0: names.Clear(); break;
            case 1 when names.Count > 0: names.RemoveAt(rng.Next(names.Count)); break;
            case 2 when names.Count > 0: names.Add(Pick(names)); break;
            case 3 when names.Count > 0: names[rng.Next(names.Count)] = ""; break;
            default:
                var pool = g.Node.SelectMany(n => n.Output).Concat(g.Input.Select(i => i.Name)).Concat(g.Initializer.Select(t => t.Name)).Append("undefined").ToList();
                if (names.Count > 0)
                {
                    names[rng.Next(names.Count)] = Pick(pool);
                }
                else
                {
                    names.Add(Pick(pool));
                }
                break;
        }
    }

    private void MutateTensor(TensorProto t)
    {
        switch (rng.Next(7))
        {
            case 0 when t.Dims.Count > 0: t.Dims[rng.Next(t.Dims.Count)] = Pick(s_ints); break;
            case 1: t.Dims.Add(rng.Next(2) == 0 ? 1 : Pick(s_ints)); break;
            case 2: t.DataType = rng.Next(0, 26); break;
            case 3:
                t.FloatData.Clear();
                t.Int64Data.Clear();
                t.RawData = rng.Next(2) == 0 ? ByteString.Empty : ByteString.CopyFrom(new byte[rng.Next(64)]);
                break;
            case 4:
                t.DataLocation = TensorProto.Types.DataLocation.External;
                t.ExternalData.Clear();
                t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = Pick(s_locations) });
                if (rng.Next(2) == 0)
                {
                    t.ExternalData.Add(new StringStringEntryProto { Key = rng.Next(2) == 0 ? "offset" : "length", Value = Pick(s_ints).ToString(System.Globalization.CultureInfo.InvariantCulture) });
                }
                break;
            case 5 when t.Dims.Count > 0: t.Dims.RemoveAt(rng.Next(t.Dims.Count)); break;
            default: t.Name = Pick(s_strings); break;
        }
    }

    private void MutateValueInfo(ValueInfoProto v)
    {
        var tt = v.Type?.TensorType;
        if (tt is null || rng.Next(6) == 0)
        {
            v.Type = rng.Next(2) == 0 ? null : new TypeProto { SequenceType = new TypeProto.Types.Sequence() };
            return;
        }
        switch (rng.Next(4))
        {
            case 0: tt.ElemType = rng.Next(0, 26); break;
            case 1 when tt.Shape is { Dim.Count: > 0 }:
                tt.Shape.Dim[rng.Next(tt.Shape.Dim.Count)] = rng.Next(2) == 0
                    ? new TensorShapeProto.Types.Dimension { DimValue = Pick(s_ints) }
                    : new TensorShapeProto.Types.Dimension { DimParam = Pick(s_strings) };
                break;
            case 2: tt.Shape = rng.Next(2) == 0 ? null : new TensorShapeProto(); break;
            default: tt.Shape?.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = rng.Next(4) }); break;
        }
    }

    private byte[] MutateBytes(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }
        var fields = WireFields(bytes);
        switch (rng.Next(5))
        {
            case 0:
                return bytes[..rng.Next(bytes.Length)];
            case 1:
                {
                    var copy = (byte[])bytes.Clone();
                    for (int k = 1 + rng.Next(8); k > 0; k--)
                    {
                        copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
                    }
                    return copy;
                }
            case 2 when fields.Count > 0:
                {
                    // Overwrite a tag or length prefix with another varint of the same width (the layout stays).
                    var (at, width, _) = Pick(fields);
                    var copy = (byte[])bytes.Clone();
                    ulong v = (ulong)Pick(s_ints);
                    for (int k = 0; k < width; k++)
                    {
                        copy[at + k] = (byte)((v & 0x7f) | (k < width - 1 ? 0x80u : 0));
                        v >>= 7;
                    }
                    return copy;
                }
            case 3 when fields.Count > 0:
                {
                    var (at, _, end) = Pick(fields);
                    return [.. bytes[..end], .. bytes[at..end], .. bytes[end..]];
                }
            default:
                if (fields.Count == 0)
                {
                    return bytes;
                }
                var (from, _, to) = Pick(fields);
                return [.. bytes[..from], .. bytes[to..]];
        }
    }

    /// <summary>Fields of the message and its length-delimited children (a heuristic: any payload that parses as fields): (start, tag width, end).</summary>
    private static List<(int At, int Width, int End)> WireFields(byte[] bytes)
    {
        var result = new List<(int, int, int)>();
        var pending = new Stack<(int From, int To, int Depth)>();
        pending.Push((0, bytes.Length, 0));
        while (pending.Count > 0 && result.Count < 4096)
        {
            var (pos, to, depth) = pending.Pop();
            while (pos < to)
            {
                int start = pos;
                if (!Varint(bytes, ref pos, to, out ulong tag))
                {
                    break;
                }
                int width = pos - start;
                int end;
                switch (tag & 7)
                {
                    case 0:
                        if (!Varint(bytes, ref pos, to, out _))
                        {
                            return result;
                        }
                        end = pos;
                        break;
                    case 1: end = pos + 8; break;
                    case 5: end = pos + 4; break;
                    case 2:
                        if (!Varint(bytes, ref pos, to, out ulong len) || len > (ulong)(to - pos))
                        {
                            return result;
                        }
                        end = pos + (int)len;
                        if (depth < 8 && len > 1)
                        {
                            pending.Push((pos, end, depth + 1));
                        }
                        break;
                    default: return result;
                }
                if (end > to)
                {
                    break;
                }
                result.Add((start, width, end));
                pos = end;
            }
        }
        return result;
    }

    private static bool Varint(byte[] b, ref int pos, int to, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && pos < to; shift += 7)
        {
            byte x = b[pos++];
            value |= (ulong)(x & 0x7f) << shift;
            if (x < 0x80)
            {
                return true;
            }
        }
        return false;
    }
}
