using System.Runtime.InteropServices;

namespace WebDnn.Core;

/// <summary>
/// A dense tensor with a concrete shape. Storage is one typed array per element type:
/// float[] (f32), double[] (f64), Half[] (f16), ushort[] (bf16 bit patterns), sbyte[], byte[], short[], ushort[],
/// int[], uint[], long[], ulong[], bool[], string[].
/// </summary>
public sealed class Tensor
{
    /// <summary>Upper bound on elements of one tensor; larger shapes are rejected before any allocation.</summary>
    public const long MaxElements = 1L << 30;

    public Tensor(DataType dataType, int[] shape, Array data)
    {
        DataType = dataType;
        Shape = shape;
        Data = data;
        long n = ElementCount(shape);
        if (data.Length != n)
        {
            throw new ArgumentException($"tensor data has {data.Length} elements but shape [{string.Join(",", shape)}] needs {n}");
        }
        if (data.GetType().GetElementType() != StorageType(dataType))
        {
            throw new ArgumentException($"storage {data.GetType().Name} does not match {dataType}");
        }
    }

    public DataType DataType { get; }

    public int[] Shape { get; }

    public Array Data { get; }

    public int Length => Data.Length;

    public int Rank => Shape.Length;

    public TensorType Type => TensorType.Of(DataType, Shape.Select(d => (long)d).ToArray());

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("negative dimension");
            }
            n *= d;
            if (n > MaxElements)
            {
                throw new InvalidModelException($"tensor of shape [{string.Join(",", shape.ToArray())}] has more than {MaxElements} elements");
            }
        }
        return n;
    }

    public static Type StorageType(DataType t) => t switch
    {
        DataType.Float32 => typeof(float),
        DataType.Float64 => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.BFloat16 => typeof(ushort),
        DataType.Int8 => typeof(sbyte),
        DataType.UInt8 => typeof(byte),
        DataType.Int16 => typeof(short),
        DataType.UInt16 => typeof(ushort),
        DataType.Int32 => typeof(int),
        DataType.UInt32 => typeof(uint),
        DataType.Int64 => typeof(long),
        DataType.UInt64 => typeof(ulong),
        DataType.Bool => typeof(bool),
        DataType.String => typeof(string),
        _ => throw new UnsupportedModelException($"element type {t} is not supported"),
    };

    public static Tensor Zeros(DataType t, params int[] shape) =>
        new(t, shape, t == DataType.String
            ? Enumerable.Repeat(string.Empty, (int)ElementCount(shape)).ToArray()
            : Array.CreateInstance(StorageType(t), ElementCount(shape)));

    public static Tensor FromFloats(int[] shape, float[] data) => new(DataType.Float32, shape, data);

    public static Tensor FromLongs(int[] shape, long[] data) => new(DataType.Int64, shape, data);

    public static Tensor Scalar(float v) => new(DataType.Float32, [], new[] { v });

    public static Tensor ScalarLong(long v) => new(DataType.Int64, [], new[] { v });

    public float[] Floats => (float[])Data;

    public long[] Longs => (long[])Data;

    /// <summary>Reads element <paramref name="i"/> as a double (bool: 0/1; strings throw).</summary>
    public double GetDouble(int i) => Data switch
    {
        float[] a => a[i],
        double[] a => a[i],
        Half[] a => (double)a[i],
        ushort[] a when DataType == DataType.BFloat16 => BFloat16.ToFloat(a[i]),
        sbyte[] a when DataType == DataType.Int8 => a[i],
        byte[] a => a[i],
        short[] a when DataType == DataType.Int16 => a[i],
        ushort[] a => a[i],
        int[] a when DataType == DataType.Int32 => a[i],
        uint[] a => a[i],
        long[] a when DataType == DataType.Int64 => a[i],
        ulong[] a => a[i],
        bool[] a => a[i] ? 1 : 0,
        _ => throw new InvalidOperationException($"{DataType} has no numeric value"),
    };

    /// <summary>Reads element <paramref name="i"/> as an integer (floats truncate toward zero).</summary>
    public long GetLong(int i) => Data switch
    {
        long[] a when DataType == DataType.Int64 => a[i],
        int[] a when DataType == DataType.Int32 => a[i],
        ulong[] a => unchecked((long)a[i]),
        uint[] a => a[i],
        short[] a when DataType == DataType.Int16 => a[i],
        ushort[] a when DataType != DataType.BFloat16 => a[i],
        sbyte[] a when DataType == DataType.Int8 => a[i],
        byte[] a => a[i],
        bool[] a => a[i] ? 1 : 0,
        _ => (long)GetDouble(i),
    };

    /// <summary>Writes a double, converting (with saturation-free C# casts) to the element type.</summary>
    public void SetDouble(int i, double v)
    {
        switch (Data)
        {
            case float[] a: a[i] = (float)v; break;
            case double[] a: a[i] = v; break;
            case Half[] a: a[i] = (Half)v; break;
            case ushort[] a when DataType == DataType.BFloat16: a[i] = BFloat16.FromFloat((float)v); break;
            case bool[] a: a[i] = v != 0; break;
            default: SetLong(i, double.IsNaN(v) ? 0 : (long)v); break;
        }
    }

    /// <summary>Writes an integer, wrapping to the element type's width as C# unchecked casts do.</summary>
    public void SetLong(int i, long v)
    {
        unchecked
        {
            switch (Data)
            {
                case long[] a: a[i] = v; break;
                case int[] a: a[i] = (int)v; break;
                case ulong[] a: a[i] = (ulong)v; break;
                case uint[] a: a[i] = (uint)v; break;
                case short[] a: a[i] = (short)v; break;
                case ushort[] a when DataType != DataType.BFloat16: a[i] = (ushort)v; break;
                case sbyte[] a: a[i] = (sbyte)v; break;
                case byte[] a: a[i] = (byte)v; break;
                case bool[] a: a[i] = v != 0; break;
                default: SetDouble(i, v); break;
            }
        }
    }

    public double[] ToDoubles()
    {
        var r = new double[Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = GetDouble(i);
        }
        return r;
    }

    public long[] ToLongs()
    {
        if (Data is long[] l)
        {
            return l;
        }
        var r = new long[Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = GetLong(i);
        }
        return r;
    }

    /// <summary>Float32 view of any numeric tensor (copies unless already f32).</summary>
    public float[] ToFloats()
    {
        if (Data is float[] f)
        {
            return f;
        }
        var r = new float[Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (float)GetDouble(i);
        }
        return r;
    }

    /// <summary>Builds a tensor of type <paramref name="t"/> from doubles.</summary>
    public static Tensor FromDoubles(DataType t, int[] shape, double[] values)
    {
        if (t == DataType.Float64)
        {
            return new Tensor(t, shape, values);
        }
        var r = Zeros(t, shape);
        for (int i = 0; i < values.Length; i++)
        {
            r.SetDouble(i, values[i]);
        }
        return r;
    }

    /// <summary>Builds a tensor of type <paramref name="t"/> from integers.</summary>
    public static Tensor FromLongs(DataType t, int[] shape, long[] values)
    {
        if (t == DataType.Int64)
        {
            return new Tensor(t, shape, values);
        }
        var r = Zeros(t, shape);
        for (int i = 0; i < values.Length; i++)
        {
            r.SetLong(i, values[i]);
        }
        return r;
    }

    /// <summary>Same data, new shape (element counts must match). Shares storage.</summary>
    public Tensor Reshape(int[] shape) => new(DataType, shape, Data);

    /// <summary>Row-major strides of <paramref name="shape"/> in elements.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /// <summary>Raw little-endian bytes (the ONNX raw_data encoding). Not for strings.</summary>
    public byte[] ToBytes()
    {
        return Data switch
        {
            float[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            double[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            Half[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            byte[] a => (byte[])a.Clone(),
            short[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            int[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            uint[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            long[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            bool[] a => a.Select(b => b ? (byte)1 : (byte)0).ToArray(),
            _ => throw new InvalidOperationException($"{DataType} has no raw encoding"),
        };
    }

    /// <summary>Decodes raw little-endian bytes; the byte count must match the shape exactly.</summary>
    public static Tensor FromBytes(DataType t, int[] shape, ReadOnlySpan<byte> bytes)
    {
        long n = ElementCount(shape);
        int size = t.ByteSize();
        if (size == 0 || bytes.Length != n * size)
        {
            throw new InvalidModelException($"raw data has {bytes.Length} bytes, but {t.ShortName()}[{string.Join(",", shape)}] needs {n * size}");
        }
        Array data = t switch
        {
            DataType.Float32 => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
            DataType.Float64 => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            DataType.Float16 => MemoryMarshal.Cast<byte, Half>(bytes).ToArray(),
            DataType.BFloat16 or DataType.UInt16 => MemoryMarshal.Cast<byte, ushort>(bytes).ToArray(),
            DataType.Int8 => MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray(),
            DataType.UInt8 => bytes.ToArray(),
            DataType.Int16 => MemoryMarshal.Cast<byte, short>(bytes).ToArray(),
            DataType.Int32 => MemoryMarshal.Cast<byte, int>(bytes).ToArray(),
            DataType.UInt32 => MemoryMarshal.Cast<byte, uint>(bytes).ToArray(),
            DataType.Int64 => MemoryMarshal.Cast<byte, long>(bytes).ToArray(),
            DataType.UInt64 => MemoryMarshal.Cast<byte, ulong>(bytes).ToArray(),
            DataType.Bool => bytes.ToArray().Select(b => b != 0).ToArray(),
            _ => throw new UnsupportedModelException($"element type {t} is not supported"),
        };
        return new Tensor(t, shape, data);
    }

    public override string ToString() => $"Tensor {DataType.ShortName()}[{string.Join(",", Shape)}]";
}

/// <summary>bfloat16 conversions (round to nearest even, NaN preserved).</summary>
public static class BFloat16
{
    public static float ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    public static ushort FromFloat(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f))
        {
            return (ushort)((u >> 16) | 0x40);
        }
        uint rounding = 0x7FFF + ((u >> 16) & 1);
        return (ushort)((u + rounding) >> 16);
    }
}
