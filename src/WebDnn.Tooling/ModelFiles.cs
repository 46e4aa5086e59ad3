using System.IO.Compression;
using System.Security.Cryptography;

namespace WebDnn.Tooling;

/// <summary>Helpers for model files given on the command line.</summary>
public static class ModelFiles
{
    /// <summary>
    /// Returns a path to a plain .onnx file: the file itself, or for gzip-compressed input a decompressed copy in the
    /// cache (keyed by content hash, written atomically). ONNX Runtime and the browser peers need the plain file.
    /// </summary>
    public static string EnsurePlainOnnx(string path)
    {
        using (var probe = File.OpenRead(path))
        {
            if (probe.ReadByte() != 0x1f || probe.ReadByte() != 0x8b)
            {
                return path;
            }
        }
        string hash;
        using (var fs = File.OpenRead(path))
        {
            hash = Convert.ToHexStringLower(SHA256.HashData(fs))[..16];
        }
        string name = Path.GetFileName(path);
        name = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name + ".onnx";
        string dir = Path.Combine(SharedData.CacheDir, "decompressed", hash);
        string dest = Path.Combine(dir, name);
        if (File.Exists(dest))
        {
            return dest;
        }
        Directory.CreateDirectory(dir);
        string tmp = dest + ".partial" + Environment.ProcessId;
        using (var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
        using (var outFile = File.Create(tmp))
        {
            gz.CopyTo(outFile);
        }
        File.Move(tmp, dest, overwrite: true);
        return dest;
    }

    /// <summary>Parses --shape values "NAME=d0,d1,..." (repeatable): NAME is an input (its whole shape) or a symbolic dimension (one size).</summary>
    public static Dictionary<string, long[]> ParseShapes(IEnumerable<string>? specs)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var spec in specs ?? [])
        {
            int eq = spec.LastIndexOf('=');
            if (eq <= 0)
            {
                throw new Core.UsageException($"--shape '{spec}': expected NAME=d0,d1,... (e.g. input_ids=1,128)");
            }
            var dims = spec[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries);
            var parsed = new long[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                if (!long.TryParse(dims[i], out parsed[i]) || parsed[i] < 1 || parsed[i] > Core.Tensor.MaxElements)
                {
                    throw new Core.UsageException($"--shape '{spec}': '{dims[i]}' is not a valid dimension (a whole number from 1 to {Core.Tensor.MaxElements})");
                }
            }
            result[spec[..eq]] = parsed;
        }
        return result;
    }
}
