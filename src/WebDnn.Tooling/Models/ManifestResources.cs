using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace WebDnn.Tooling.Models;

/// <summary>
/// Reads manifest resources out of a .NET assembly file as plain data (PEReader + metadata tables):
/// the assembly is never loaded, so no code from a package runs.
/// </summary>
public static class ManifestResources
{
    /// <summary>Names of the resources embedded in the assembly.</summary>
    public static IReadOnlyList<string> List(string assemblyPath)
    {
        using var file = File.OpenRead(assemblyPath);
        using var pe = new PEReader(file);
        var md = pe.GetMetadataReader();
        return md.ManifestResources.Select(h => md.GetString(md.GetManifestResource(h).Name)).ToList();
    }

    /// <summary>
    /// Copies the single embedded resource whose name ends with <paramref name="suffix"/> to <paramref name="output"/>.
    /// </summary>
    public static async Task CopyAsync(string assemblyPath, string suffix, Stream output, CancellationToken ct)
    {
        long start, length;
        using (var file = File.OpenRead(assemblyPath))
        using (var pe = new PEReader(file))
        {
            var md = pe.GetMetadataReader();
            var matches = md.ManifestResources.Select(md.GetManifestResource)
                .Where(r => md.GetString(r.Name).EndsWith(suffix, StringComparison.Ordinal)).ToList();
            if (matches.Count != 1)
            {
                throw new ModelFetchException($"{Path.GetFileName(assemblyPath)} has {matches.Count} resources ending in '{suffix}', expected one " +
                    $"(resources: {string.Join(", ", md.ManifestResources.Select(h => md.GetString(md.GetManifestResource(h).Name)))})");
            }
            var resource = matches[0];
            if (!resource.Implementation.IsNil)
            {
                throw new ModelFetchException($"resource '{md.GetString(resource.Name)}' lives in another assembly or file");
            }
            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory ?? default;
            if (directory.Size == 0 || !pe.PEHeaders.TryGetDirectoryOffset(directory, out int dirOffset))
            {
                throw new ModelFetchException($"{Path.GetFileName(assemblyPath)} has no resources directory");
            }
            // Each embedded resource is a 4-byte little-endian length followed by the bytes (ECMA-335 II.24.2.4).
            if (resource.Offset < 0 || resource.Offset + 4 > directory.Size)
            {
                throw new ModelFetchException($"resource offset {resource.Offset} is outside the resources directory");
            }
            start = dirOffset + resource.Offset;
            file.Position = start;
            Span<byte> header = stackalloc byte[4];
            file.ReadExactly(header);
            length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (resource.Offset + 4 + length > directory.Size)
            {
                throw new ModelFetchException($"resource of {length} bytes overruns the resources directory");
            }
        }
        var input = File.OpenRead(assemblyPath);
        await using (input.ConfigureAwait(false))
        {
            input.Position = start + 4;
            var buffer = new byte[1 << 16];
            long left = length;
            while (left > 0)
            {
                int n = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new ModelFetchException($"{Path.GetFileName(assemblyPath)} ends inside a resource");
                }
                await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                left -= n;
            }
        }
    }
}
