using System.Diagnostics;
using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// One step of the kernel-level stage: runs after lowering, on one target's copy of the program, and records its
/// choices on the kernels (<see cref="Kernel.Algorithm"/>, <see cref="Kernel.Layout"/>, <see cref="Kernel.WeightLayout"/>).
/// </summary>
public interface IKernelPass
{
    /// <summary>Stable name (inspect, --dump-after).</summary>
    string Name { get; }

    void Run(TargetProgram tp);
}

/// <summary>What one kernel pass did: name, kernel count after it, wall time.</summary>
public sealed record KernelPassRecord(string Pass, int Kernels, double ElapsedMs);

/// <summary>A lowered program specialised for one target: its own kernel list and buffers, and its memory plan.</summary>
public sealed class TargetProgram(Target target, KernelProgram program)
{
    public Target Target { get; } = target;

    /// <summary>The target's program; a pass may replace it (<see cref="PlanTargetMemory"/> compacts it).</summary>
    public KernelProgram Program { get; set; } = program;

    /// <summary>Set by <see cref="PlanTargetMemory"/> (the last pass of every pipeline).</summary>
    public MemoryPlan? Plan { get; set; }

    public List<KernelPassRecord> Passes { get; } = [];

    /// <summary>Plan of a finished stage (throws when the pipeline did not end with memory planning).</summary>
    public MemoryPlan RequirePlan() => Plan ?? throw new InvalidOperationException($"target {Target.Name}: the kernel stage did not plan memory");

    /// <summary>
    /// Runs <paramref name="passes"/> on a copy of <paramref name="program"/> for <paramref name="target"/>; the lowered
    /// program itself is not changed, so one lowering serves every backend of a package.
    /// </summary>
    public static TargetProgram Run(KernelProgram program, Target target, IReadOnlyList<IKernelPass> passes, IProgress<string>? progress = null,
        Action<string, TargetProgram>? afterPass = null)
    {
        var tp = new TargetProgram(target, program.Clone());
        foreach (var pass in passes)
        {
            progress?.Report($"{target.Name}: {pass.Name}");
            var sw = Stopwatch.StartNew();
            pass.Run(tp);
            tp.Passes.Add(new KernelPassRecord(pass.Name, tp.Program.Kernels.Count, sw.Elapsed.TotalMilliseconds));
            afterPass?.Invoke(pass.Name, tp);
        }
        return tp;
    }
}
