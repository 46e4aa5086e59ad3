using System.Text;
using System.Text.RegularExpressions;
using WebDnn.Core;

namespace WebDnn.Tooling;

/// <summary>Reads and writes NumPy .npy files (format 1.0/2.0, little-endian, C order) for `webdnn run --input`.</summary>
public static partial class Npy
{
    private static readonly (string Descr, DataType Type)[] s_types =
    [
        ("<f4", DataType.Float32), ("<f8", DataType.Float64), ("<f2", DataType.Float16), ("<i8", DataType.Int64), ("<i4", DataType.Int32),
        ("<i2", DataType.Int16), ("|i1", DataType.Int8), ("|u1", DataType.UInt8), ("<u2", DataType.UInt16), ("<u4", DataType.UInt32),
        ("<u8", DataType.UInt64), ("|b1", DataType.Bool),
    ];

    public static Tensor Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new UsageException($"cannot read {path}: {e.Message}");
        }
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new UsageException($"{path} is not a .npy file (missing the \\x93NUMPY magic)");
        }
        int major = bytes[6];
        int headerLen = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        int start = major == 1 ? 10 : 12;
        if (start + headerLen > bytes.Length)
        {
            throw new UsageException($"{path}: truncated .npy header");
        }
        string header = Encoding.Latin1.GetString(bytes, start, headerLen);
        var descr = DescrRegex().Match(header).Groups[1].Value;
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new UsageException($"{path}: Fortran-order arrays are not supported; save with np.ascontiguousarray");
        }
        var type = s_types.FirstOrDefault(t => t.Descr == descr || t.Descr.Replace('<', '|') == descr);
        if (type.Descr is null)
        {
            throw new UsageException($"{path}: dtype '{descr}' is not supported (use float32, int64, int32, bool, ...)");
        }
        var shapeText = ShapeRegex().Match(header).Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        return Tensor.FromBytes(type.Type, shape, bytes.AsSpan(start + headerLen));
    }

    public static void Write(string path, Tensor t)
    {
        string descr = s_types.First(x => x.Type == t.DataType).Descr;
        string shape = t.Shape.Length == 1 ? $"({t.Shape[0]},)" : $"({string.Join(", ", t.Shape)})";
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        using var fs = File.Create(path);
        fs.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        fs.Write(BitConverter.GetBytes((ushort)header.Length));
        fs.Write(Encoding.Latin1.GetBytes(header));
        fs.Write(t.ToBytes());
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
