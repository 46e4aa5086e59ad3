using System.Formats.Tar;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Common;

/// <summary>
/// A packed package (docs/runtime.md "Packed packages"): the files of a package folder in one uncompressed POSIX tar
/// archive (ustar), model.json first, then the weight shards and each backend's files in manifest order. The runtime's
/// <c>load(arrayBuffer)</c> reads it (gzip-compressed too); <c>tar -cf model.tar -C DIR .</c> makes an equivalent one.
/// </summary>
public static class PackedPackage
{
    /// <summary>Compiles <paramref name="program"/> for <paramref name="backends"/> and writes the packed package to <paramref name="file"/>.</summary>
    /// <exception cref="UsageException"><paramref name="file"/> is a folder.</exception>
    public static ModelManifest Write(KernelProgram program, string file, IEnumerable<string> backends, IProgress<string>? progress = null)
    {
        CheckDestination(file);
        string full = Path.GetFullPath(file);
        string parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        string tmpDir = Path.Combine(parent, $".{Path.GetFileName(full)}.dir-{Guid.NewGuid():N}");
        try
        {
            var manifest = PackageWriter.Write(program, tmpDir, backends, progress);
            Pack(tmpDir, full);
            progress?.Report($"packed into {file} ({new FileInfo(full).Length / 1048576.0:0.00} MiB)");
            return manifest;
        }
        finally
        {
            if (Directory.Exists(tmpDir))
            {
                Directory.Delete(tmpDir, recursive: true);
            }
        }
    }

    /// <summary>Writes the files of the package folder <paramref name="packageDir"/> into the archive <paramref name="file"/> (replaced atomically).</summary>
    public static void Pack(string packageDir, string file)
    {
        CheckDestination(file);
        var manifest = PackageWriter.ReadManifest(packageDir);
        var names = new List<string> { "model.json" };
        names.AddRange(manifest.Shards.Select(s => s.File));
        names.AddRange(manifest.Backends.Values.SelectMany(b => b.Files).Select(f => f.File));
        string tmp = $"{Path.GetFullPath(file)}.tmp-{Guid.NewGuid():N}";
        try
        {
            using (var stream = File.Create(tmp))
            using (var tar = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: false))
            {
                foreach (var name in names.Distinct(StringComparer.Ordinal))
                {
                    tar.WriteEntry(Path.Combine(packageDir, name), name);
                }
            }
            File.Move(tmp, file, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>Refuses a folder as the packed file (cheap: the CLI calls it before compiling).</summary>
    /// <exception cref="UsageException"><paramref name="file"/> is a folder.</exception>
    public static void CheckDestination(string file)
    {
        if (Directory.Exists(file))
        {
            throw new UsageException($"'{file}' is a folder; --pack writes one file (e.g. -o model.tar)");
        }
    }
}
