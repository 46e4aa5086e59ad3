using System.Text;
using Google.Protobuf;
using WebDnn.Core;
using WebDnn.Onnx.Protos;

namespace WebDnn.Onnx;

/// <summary>TensorProto → <see cref="Tensor"/>, including external data that must stay inside the model's folder.</summary>
public static class TensorReader
{
    /// <summary>Parses a serialized TensorProto (the node tests' input_N.pb / output_N.pb files).</summary>
    public static Tensor ReadFile(string path)
    {
        var proto = new TensorProto();
        try
        {
            proto.MergeFrom(File.ReadAllBytes(path));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidModelException($"{path}: not a valid TensorProto ({e.Message})", e);
        }
        return Read(proto, Path.GetDirectoryName(Path.GetFullPath(path)), "tensor");
    }

    internal static Tensor Read(TensorProto t, string? baseDir, string what, Limits? limits = null)
    {
        limits ??= Limits.Default;
        int onnxType = t.DataType;
        if (!Enum.IsDefined(typeof(DataType), onnxType) || onnxType == 0)
        {
            throw new UnsupportedModelException($"{what} {Display.Quote(t.Name)} has element type {onnxType} ({TypeName(onnxType)}), which is not supported");
        }
        var dt = (DataType)onnxType;
        var shape = new int[t.Dims.Count];
        double count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = t.Dims[i];
            if (d < 0)
            {
                throw new InvalidModelException($"{what} {Display.Quote(t.Name)} has negative dimension {d}");
            }
            count *= d;
            if (count > limits.MaxTensorElements || d > int.MaxValue)
            {
                throw new InvalidModelException($"{what} {Display.Quote(t.Name)} declares shape [{string.Join(",", t.Dims)}] ({count:0} elements or more): absurd dimensions, refusing to allocate (limit MaxTensorElements = {limits.MaxTensorElements:N0})");
            }
            shape[i] = (int)d;
        }
        int n = (int)count;
        // Every size is checked against the data actually present before anything of the declared size is allocated.
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
        {
            return Tensor.FromBytes(dt, shape, ReadExternal(t, baseDir, what, (long)n * dt.ByteSize()));
        }
        if (!t.RawData.IsEmpty)
        {
            if (dt == DataType.String)
            {
                throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: string tensors cannot use raw_data");
            }
            if (t.RawData.Length != (long)n * dt.ByteSize())
            {
                throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: raw_data has {t.RawData.Length} bytes, but {dt.ShortName()}[{string.Join(",", shape)}] needs {(long)n * dt.ByteSize()}");
            }
            return Tensor.FromBytes(dt, shape, t.RawData.Span);
        }
        int have = dt switch
        {
            DataType.Float32 => t.FloatData.Count,
            DataType.Float64 => t.DoubleData.Count,
            DataType.Int64 => t.Int64Data.Count,
            DataType.UInt32 or DataType.UInt64 => t.Uint64Data.Count,
            DataType.String => t.StringData.Count,
            _ => t.Int32Data.Count,
        };
        if (have != n)
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)} holds {have} values but shape [{string.Join(",", shape)}] needs {n}");
        }
        var result = Tensor.Zeros(dt, shape);
        for (int i = 0; i < n; i++)
        {
            switch (dt)
            {
                case DataType.Float32: ((float[])result.Data)[i] = t.FloatData[i]; break;
                case DataType.Float64: ((double[])result.Data)[i] = t.DoubleData[i]; break;
                case DataType.Int64: ((long[])result.Data)[i] = t.Int64Data[i]; break;
                case DataType.UInt32: ((uint[])result.Data)[i] = (uint)t.Uint64Data[i]; break;
                case DataType.UInt64: ((ulong[])result.Data)[i] = t.Uint64Data[i]; break;
                case DataType.String: ((string[])result.Data)[i] = Encoding.UTF8.GetString(t.StringData[i].Span); break;
                // float16 and bfloat16 travel as their bit patterns in int32_data.
                case DataType.Float16: ((Half[])result.Data)[i] = BitConverter.UInt16BitsToHalf((ushort)t.Int32Data[i]); break;
                case DataType.BFloat16: ((ushort[])result.Data)[i] = (ushort)t.Int32Data[i]; break;
                default: result.SetLong(i, t.Int32Data[i]); break;
            }
        }
        return result;
    }

    /// <summary>
    /// Reads external data: the location is resolved with every symbolic link followed and must stay inside the model's
    /// folder; only a regular file with at least offset + length bytes is opened (a FIFO, device or socket reports size 0,
    /// so it is never opened and cannot block), and exactly the declared bytes are read.
    /// </summary>
    private static byte[] ReadExternal(TensorProto t, string? baseDir, string what, long expectedBytes)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var kv in t.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset" when long.TryParse(kv.Value, out var o) && o >= 0: offset = o; break;
                case "length" when long.TryParse(kv.Value, out var l) && l >= 0: length = l; break;
                case "offset" or "length": throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data {kv.Key} {Display.Quote(kv.Value)} is not a non-negative integer");
                default: break;
            }
        }
        if (string.IsNullOrEmpty(location))
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)} uses external data but names no location");
        }
        if (location.Any(char.IsControl))
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data location {Display.Quote(location)} contains a control character (NUL, newline…); refusing it");
        }
        if (baseDir is null)
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)} uses external data {Display.Quote(location)}, but the model was not loaded from a file, so there is no folder to read it from");
        }
        string root = Path.GetFullPath(baseDir);
        string lexical = Path.GetFullPath(Path.Combine(root, location));
        if (Path.IsPathRooted(location) || !SafePath.IsInside(lexical, root))
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data path {Display.Quote(location)} points outside the model's folder {root}; refusing to read it");
        }
        string full = SafePath.ResolveInside(root, location)
            ?? throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data path {Display.Quote(location)} is (or passes through) a symbolic link that points outside the model's folder {root}; refusing to read it");
        if (Directory.Exists(full))
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data path {Display.Quote(location)} is a folder, not a file");
        }
        if (!File.Exists(full))
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data file {Display.Quote(location)} is missing (looked for {full}); copy it next to the model");
        }
        if (length < 0)
        {
            length = expectedBytes;
        }
        if (length != expectedBytes)
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data length {length} does not match its shape ({expectedBytes} bytes)");
        }
        long size = new FileInfo(full).Length;
        if (length > size || offset > size - length)
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data {Display.Quote(location)} has {size} bytes (or is not a regular file), but offset {offset} + length {length} reaches past its end");
        }
        var buf = new byte[length];
        if (length == 0)
        {
            return buf;
        }
        using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        if (!fs.CanSeek || fs.Length < offset + length)
        {
            throw new InvalidModelException($"{what} {Display.Quote(t.Name)}: external data {Display.Quote(location)} is not a regular file of at least {offset + length} bytes");
        }
        fs.Seek(offset, SeekOrigin.Begin);
        fs.ReadExactly(buf);
        return buf;
    }

    internal static string TypeName(int onnxType) => onnxType switch
    {
        14 => "complex64",
        15 => "complex128",
        >= 17 and <= 20 => "float8",
        21 => "uint4",
        22 => "int4",
        23 => "float4e2m1",
        24 => "float8e8m0",
        _ => "unknown",
    };
}
