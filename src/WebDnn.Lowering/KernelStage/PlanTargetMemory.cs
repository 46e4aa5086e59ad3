using WebDnn.Core;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Drops the buffers the final kernel list no longer reads (weights replaced by packed ones, layout originals), then
/// plans the arena with offsets aligned to the target's <c>BufferAlignment</c>, and refuses a plan whose whole arena is
/// over <see cref="Limits.MaxArenaBytes"/> (shape inference checked each activation alone; many of them live at once).
/// </summary>
public sealed class PlanTargetMemory : IKernelPass
{
    public string Name => "plan-memory";

    public void Run(TargetProgram tp)
    {
        tp.Program = tp.Program.Compact();
        var plan = PlanMemory.Run(tp.Program, tp.Target.BufferAlignment);
        var limits = Limits.Default;
        if (plan.ArenaBytes > limits.MaxArenaBytes)
        {
            throw Limits.Exceeded(nameof(Limits.MaxArenaBytes), limits.MaxArenaBytes,
                $"target {tp.Target.Name}: the arena after memory planning needs {plan.ArenaBytes:N0} bytes " +
                $"({plan.ArenaBytes - plan.PeakActivationBytes:N0} for inputs and outputs, {plan.PeakActivationBytes:N0} for activations at their peak)");
        }
        tp.Plan = plan;
    }
}
