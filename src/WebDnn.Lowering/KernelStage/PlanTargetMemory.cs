namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Drops the buffers the final kernel list no longer reads (weights replaced by packed ones, layout originals), then
/// plans the arena with offsets aligned to the target's <c>BufferAlignment</c>.
/// </summary>
public sealed class PlanTargetMemory : IKernelPass
{
    public string Name => "plan-memory";

    public void Run(TargetProgram tp)
    {
        tp.Program = tp.Program.Compact();
        tp.Plan = PlanMemory.Run(tp.Program, tp.Target.BufferAlignment);
    }
}
