using WebDnn.Core.Kernels;

namespace WebDnn.Lowering;

/// <summary>
/// Where every non-weight buffer of a <see cref="KernelProgram"/> lives in the run-time arena.
/// Offsets are in bytes, multiples of the target's alignment (<see cref="Alignment"/>); aliases carry their root's offset
/// plus their <see cref="KernelBuffer.RootByteOffset"/>.
/// </summary>
/// <param name="Offsets">Arena byte offset by buffer id (inputs, outputs, activations and their aliases; no weights).</param>
/// <param name="ArenaBytes">Size of the whole arena: input/output slots followed by the shared activation region.</param>
/// <param name="PeakActivationBytes">Size of the activation region after planning (what <c>inspect</c> reports as peak).</param>
/// <param name="TotalActivationBytes">Sum of all activation sizes: the arena without reuse, for comparison.</param>
/// <param name="WeightBytes">Sum of weight sizes (they live outside the arena).</param>
/// <param name="Alignment">Byte alignment of every offset (the target's <c>BufferAlignment</c>).</param>
public sealed record MemoryPlan(IReadOnlyDictionary<int, long> Offsets, long ArenaBytes, long PeakActivationBytes, long TotalActivationBytes, long WeightBytes, int Alignment = PlanMemory.Alignment);

/// <summary>
/// Liveness-based placement of activation buffers into one arena. Inputs and outputs get their own slots (the
/// caller writes and reads them outside the kernel sequence); activations share a region: each one lives from
/// the first kernel that touches it (or an alias of it) to the last, and buffers are placed greedily, largest
/// first, into the best-fitting gap left by the buffers whose lifetimes overlap.
/// </summary>
/// <remarks>Run on the final kernel list (after every lowering and kernel-level rewrite); lifetimes are closed
/// intervals of kernel indices, so a kernel's inputs never share storage with its outputs.</remarks>
public static class PlanMemory
{
    /// <summary>The smallest alignment a plan uses (one 128-bit vector; also satisfies every typed-array view).</summary>
    public const int Alignment = 16;

    /// <summary>Plans <paramref name="program"/> with offsets aligned to <paramref name="alignment"/> bytes (a power of two ≥ 16).</summary>
    public static MemoryPlan Run(KernelProgram program, int alignment = Alignment)
    {
        if (alignment < Alignment || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "alignment must be a power of two of at least 16 bytes");
        }
        long Align(long bytes) => PlanMemory.Align(bytes, alignment);
        var first = new Dictionary<KernelBuffer, int>();
        var last = new Dictionary<KernelBuffer, int>();
        for (int k = 0; k < program.Kernels.Count; k++)
        {
            var kernel = program.Kernels[k];
            foreach (var b in kernel.Inputs.Concat(kernel.Outputs))
            {
                var r = b.Root;
                if (!first.ContainsKey(r))
                {
                    first[r] = k;
                }
                last[r] = k;
            }
        }

        var offsets = new Dictionary<int, long>();
        long ioEnd = 0;
        long weightBytes = 0;
        var activations = new List<KernelBuffer>();
        foreach (var b in program.Buffers.Where(b => b.AliasOf is null))
        {
            switch (b.Kind)
            {
                case BufferKind.Input or BufferKind.Output:
                    offsets[b.Id] = ioEnd;
                    ioEnd += Align(b.ByteLength);
                    break;
                case BufferKind.Weight:
                    weightBytes += b.ByteLength;
                    break;
                default:
                    activations.Add(b);
                    break;
            }
        }

        // Greedy best-fit: largest first (ties: earliest first, then id, so the plan is deterministic).
        var placed = new List<(long Offset, long Size, int First, int Last)>();
        long peak = 0;
        foreach (var b in activations.OrderByDescending(b => Align(b.ByteLength)).ThenBy(b => first.GetValueOrDefault(b)).ThenBy(b => b.Id))
        {
            long size = Align(b.ByteLength);
            int lo = first.GetValueOrDefault(b, -1), hi = last.GetValueOrDefault(b, -1);
            var live = placed.Where(p => p.First <= hi && lo <= p.Last).OrderBy(p => p.Offset).ToList();
            long best = -1, bestGap = long.MaxValue, cursor = 0;
            foreach (var p in live)
            {
                long gap = p.Offset - cursor;
                if (gap >= size && gap < bestGap)
                {
                    best = cursor;
                    bestGap = gap;
                }
                cursor = Math.Max(cursor, p.Offset + p.Size);
            }
            long offset = best >= 0 ? best : cursor;
            placed.Add((offset, size, lo, hi));
            peak = Math.Max(peak, offset + size);
            offsets[b.Id] = ioEnd + offset;
        }

        foreach (var b in program.Buffers.Where(b => b.AliasOf is not null && b.Root.Kind != BufferKind.Weight))
        {
            offsets[b.Id] = offsets[b.Root.Id] + b.RootByteOffset;
        }
        long total = activations.Sum(b => b.ByteLength);
        return new MemoryPlan(offsets, ioEnd + peak, peak, total, weightBytes, alignment);
    }

    public static long Align(long bytes, int alignment = Alignment) => (bytes + alignment - 1) / alignment * alignment;
}
