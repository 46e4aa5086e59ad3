namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// The kernel-level stage, spelled out like <c>Pipelines.cs</c>: each list is the exact order the passes run in, with
/// the constraint that fixes each position. A backend returns its list from <c>IBackend.KernelPasses</c>, usually
/// <see cref="Standard"/> with its own weight-packing pass inserted where the comment says.
/// </summary>
public static class KernelPipelines
{
    /// <summary>Weight splitting (targets with a binding limit), algorithm choice, layouts, memory plan: every backend's base pipeline.</summary>
    public static IReadOnlyList<IKernelPass> Standard() => Build(null);

    /// <summary>
    /// <see cref="Standard"/> with the backend's <paramref name="packing"/> pass in its place and, for a target whose
    /// kernels address buffers by offset, <paramref name="concatInPlace"/> (wasm: 16-byte pieces; webgpu: any element).
    /// </summary>
    public static IReadOnlyList<IKernelPass> WithPacking(IKernelPass packing, WriteConcatInPlace? concatInPlace = null) => Build(packing, concatInPlace);

    private static IReadOnlyList<IKernelPass> Build(IKernelPass? packing, WriteConcatInPlace? concatInPlace = null) =>
    [
        new SplitLargeWeights(),  // first: the pieces are kernels like any other (algorithm, layout, packing); no-op without a binding limit
        new ChooseAlgorithms(),   // before layouts and packing, which depend on the algorithm
        new AssignLayouts(),      // after ChooseAlgorithms; inserts conversions where layouts meet (model edges included)
        .. packing is null ? [] : new[] { packing },   // after AssignLayouts (packing follows the layout), before planning
        .. concatInPlace is null ? [] : new IKernelPass[] { concatInPlace },   // after the layout copies exist, before planning
        new PlanTargetMemory(),   // last: plans the final kernel list with the target's alignment
    ];
}
