namespace WebDnn.Core;

/// <summary>Element types. The numeric values are those of ONNX <c>TensorProto.DataType</c>.</summary>
public enum DataType
{
    Undefined = 0,
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
}

/// <summary>Facts about <see cref="DataType"/> values.</summary>
public static class DataTypes
{
    /// <summary>True for ONNX element types that this project can hold in a <see cref="Tensor"/>.</summary>
    public static bool IsKnown(int onnxType) => onnxType is >= 1 and <= 13 and not 8 || onnxType == 16 || onnxType == 8;

    public static bool IsFloat(this DataType t) => t is DataType.Float32 or DataType.Float16 or DataType.Float64 or DataType.BFloat16;

    public static bool IsInteger(this DataType t) => t is DataType.UInt8 or DataType.Int8 or DataType.UInt16 or DataType.Int16
        or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64;

    public static bool IsSigned(this DataType t) => t is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 || t.IsFloat();

    /// <summary>Bytes per element in the ONNX raw encoding (0 for strings).</summary>
    public static int ByteSize(this DataType t) => t switch
    {
        DataType.Float32 or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Float64 or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Float16 or DataType.BFloat16 or DataType.Int16 or DataType.UInt16 => 2,
        DataType.Int8 or DataType.UInt8 or DataType.Bool => 1,
        _ => 0,
    };

    /// <summary>The short lowercase name used in manifests and messages (f32, i64, ...).</summary>
    public static string ShortName(this DataType t) => t switch
    {
        DataType.Float32 => "f32",
        DataType.Float16 => "f16",
        DataType.BFloat16 => "bf16",
        DataType.Float64 => "f64",
        DataType.Int8 => "i8",
        DataType.UInt8 => "u8",
        DataType.Int16 => "i16",
        DataType.UInt16 => "u16",
        DataType.Int32 => "i32",
        DataType.UInt32 => "u32",
        DataType.Int64 => "i64",
        DataType.UInt64 => "u64",
        DataType.Bool => "bool",
        DataType.String => "string",
        _ => "undefined",
    };

    /// <summary>Inverse of <see cref="ShortName"/>.</summary>
    public static DataType FromShortName(string name)
    {
        foreach (var t in Enum.GetValues<DataType>())
        {
            if (t.ShortName() == name)
            {
                return t;
            }
        }
        throw new ArgumentException($"unknown dtype '{name}'", nameof(name));
    }
}
