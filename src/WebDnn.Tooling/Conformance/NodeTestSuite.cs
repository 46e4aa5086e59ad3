using System.Formats.Tar;
using System.IO.Compression;
using WebDnn.Core;
using WebDnn.Onnx;

namespace WebDnn.Tooling.Conformance;

/// <summary>One ONNX backend node test: a small model plus input and expected output tensors.</summary>
public sealed record NodeTestCase(string Name, string Directory)
{
    public string ModelPath => Path.Combine(Directory, "model.onnx");

    public IReadOnlyList<Tensor> LoadTensors(string prefix)
    {
        var set = Path.Combine(Directory, "test_data_set_0");
        var list = new List<Tensor>();
        for (int i = 0; File.Exists(Path.Combine(set, $"{prefix}_{i}.pb")); i++)
        {
            list.Add(TensorReader.ReadFile(Path.Combine(set, $"{prefix}_{i}.pb")));
        }
        return list;
    }
}

/// <summary>
/// The ONNX backend node tests of ../shared/onnx-node-tests (ONNX 1.23.0), unpacked once into the cache.
/// A case passes when every output has the expected shape and element type and values match: floats within
/// rtol 1e-3 / atol 1e-7 (the suite's defaults), integers and booleans exactly.
/// </summary>
public static class NodeTestSuite
{
    public const double Rtol = 1e-3;
    public const double Atol = 1e-7;

    public static IReadOnlyList<NodeTestCase> Cases()
    {
        string root = Unpack();
        return Directory.GetDirectories(Path.Combine(root, "node")).OrderBy(d => d, StringComparer.Ordinal)
            .Select(d => new NodeTestCase(Path.GetFileName(d), d)).ToList();
    }

    private static readonly Lock s_lock = new();

    private static string Unpack()
    {
        string archive = Path.Combine(SharedData.Root, "onnx-node-tests", "node.tar.gz");
        string dest = Path.Combine(SharedData.CacheDir, "onnx-node-tests-1.23.0");
        lock (s_lock)
        {
            if (File.Exists(Path.Combine(dest, ".complete")))
            {
                return dest;
            }
            string tmp = dest + ".tmp" + Environment.ProcessId;
            if (Directory.Exists(tmp))
            {
                Directory.Delete(tmp, true);
            }
            Directory.CreateDirectory(tmp);
            using (var gz = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gz, tmp, overwriteFiles: true);
            }
            File.WriteAllText(Path.Combine(tmp, ".complete"), "");
            if (Directory.Exists(dest))
            {
                Directory.Delete(dest, true);
            }
            Directory.Move(tmp, dest);
            return dest;
        }
    }

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else the first difference.</summary>
    public static string? Compare(Tensor expected, Tensor actual)
    {
        if (expected.DataType != actual.DataType)
        {
            return $"type {actual.DataType.ShortName()} but expected {expected.DataType.ShortName()}";
        }
        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            return $"shape [{string.Join(",", actual.Shape)}] but expected [{string.Join(",", expected.Shape)}]";
        }
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected.DataType == DataType.String)
            {
                if ((string)expected.Data.GetValue(i)! != (string)actual.Data.GetValue(i)!)
                {
                    return $"element {i} differs";
                }
                continue;
            }
            if (expected.DataType.IsFloat())
            {
                double e = expected.GetDouble(i), a = actual.GetDouble(i);
                if (double.IsNaN(e) && double.IsNaN(a) || e == a)
                {
                    continue;
                }
                if (!(Math.Abs(e - a) <= Atol + Rtol * Math.Abs(e)))
                {
                    return $"element {i}: {a} but expected {e}";
                }
            }
            else if (expected.GetLong(i) != actual.GetLong(i))
            {
                return $"element {i}: {actual.GetLong(i)} but expected {expected.GetLong(i)}";
            }
        }
        return null;
    }
}
