using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering;

namespace WebDnn.Tests.Backends;

public sealed class PlanMemoryTests
{
    private static readonly DataType F = DataType.Float32;

    /// <summary>x → a → b → c → d → y, each step one elementwise kernel; only neighbours are live together.</summary>
    private static (ProgramBuilder, KernelBuffer[]) Chain(int n, int len)
    {
        var pb = new ProgramBuilder();
        var prev = pb.Input("x", F, [len]);
        var acts = new List<KernelBuffer>();
        for (int i = 0; i < n; i++)
        {
            var next = pb.Act(F, len + i);
            pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [prev], Outputs = [next] });
            acts.Add(next);
            prev = next;
        }
        var y = pb.Act(F, len);
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [prev], Outputs = [y] });
        pb.Output("y", y);
        return (pb, acts.ToArray());
    }

    [Fact]
    public void A_chain_reuses_memory_and_live_buffers_never_overlap()
    {
        var (pb, acts) = Chain(6, 100);
        var plan = PlanMemory.Run(pb.Program);
        Assert.Equal(acts.Sum(b => b.ByteLength), plan.TotalActivationBytes);
        // Two neighbours are live at once, so the peak is about two buffers, far below the sum of six.
        Assert.True(plan.PeakActivationBytes <= PlanMemory.Align(acts[^1].ByteLength) + PlanMemory.Align(acts[^2].ByteLength), $"peak {plan.PeakActivationBytes}");
        for (int i = 0; i + 1 < acts.Length; i++)
        {
            long a = plan.Offsets[acts[i].Id], b = plan.Offsets[acts[i + 1].Id];
            Assert.True(a + acts[i].ByteLength <= b || b + acts[i + 1].ByteLength <= a, $"b{acts[i].Id} and b{acts[i + 1].Id} overlap");
        }
        Assert.All(plan.Offsets.Values, o => Assert.Equal(0, o % PlanMemory.Alignment));
    }

    [Fact]
    public void Inputs_and_outputs_get_their_own_slots_and_aliases_follow_their_root()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [8]);
        var w = pb.Weight(F, [8]);
        var a = pb.Act(F, 8);
        var view = pb.Alias(a, 2, 4);
        var y = pb.Act(F, 2, 4);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F))) { Inputs = [x, w], Outputs = [a] });
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [view], Outputs = [y] });
        pb.Output("y", y);
        var plan = PlanMemory.Run(pb.Program);
        Assert.Equal(plan.Offsets[a.Id], plan.Offsets[view.Id]);
        Assert.False(plan.Offsets.ContainsKey(w.Id));
        Assert.Equal(32, plan.WeightBytes);
        var slots = new[] { x, y, a }.Select(b => (plan.Offsets[b.Id], b.ByteLength)).OrderBy(s => s.Item1).ToList();
        for (int i = 0; i + 1 < slots.Count; i++)
        {
            Assert.True(slots[i].Item1 + slots[i].ByteLength <= slots[i + 1].Item1);
        }
        Assert.Equal(96, plan.ArenaBytes);
    }

    [Fact]
    public void Buffers_with_disjoint_lifetimes_share_storage()
    {
        // a dies when d is born, so d takes a's place; c overlaps a, b and d and goes above them.
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [4]);
        var a = pb.Act(F, 400);
        var b = pb.Act(F, 40);
        var c = pb.Act(F, 40);
        var d = pb.Act(F, 400);
        var y = pb.Act(F, 4);
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [x], Outputs = [a] });
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [x], Outputs = [b] });
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [a, b], Outputs = [c] });
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [c], Outputs = [d] });
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [d], Outputs = [y] });
        pb.Output("y", y);
        var plan = PlanMemory.Run(pb.Program);
        Assert.Equal(1600 + 160 + 160, plan.PeakActivationBytes);
        Assert.Equal(plan.Offsets[a.Id], plan.Offsets[d.Id]);
    }
}
