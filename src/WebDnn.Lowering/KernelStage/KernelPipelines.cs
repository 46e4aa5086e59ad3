namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// The kernel-level stage, spelled out like <c>Pipelines.cs</c>: each list is the exact order the passes run in, with
/// the constraint that fixes each position. A backend returns its list from <c>IBackend.KernelPasses</c>, usually
/// <see cref="Standard"/> with its own weight-packing pass inserted where the comment says.
/// </summary>
public static class KernelPipelines
{
    /// <summary>Algorithm choice, layouts, memory plan: every backend's base pipeline.</summary>
    public static IReadOnlyList<IKernelPass> Standard() =>
    [
        new ChooseAlgorithms(),   // first: layout and packing depend on the algorithm
        new AssignLayouts(),      // after ChooseAlgorithms; inserts conversions where layouts meet (model edges included)
        // a backend's weight-packing pass goes here: after AssignLayouts (packing follows the layout), before planning
        new PlanTargetMemory(),   // last: plans the final kernel list with the target's alignment
    ];

    /// <summary><see cref="Standard"/> with <paramref name="packing"/> in its place.</summary>
    public static IReadOnlyList<IKernelPass> WithPacking(IKernelPass packing) =>
    [
        new ChooseAlgorithms(),
        new AssignLayouts(),
        packing,                  // after AssignLayouts, before PlanTargetMemory
        new PlanTargetMemory(),
    ];
}
