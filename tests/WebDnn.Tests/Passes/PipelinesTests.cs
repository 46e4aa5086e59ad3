using WebDnn.Core;
using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class PipelinesTests
{
    private const string Model =
        """
        input %x: f32[1,3,6,6]
        const %w: f32[16,3,3,3] = random
        const %scale: f32[16] = uniform(0.5,1.5)
        const %bias: f32[16] = random
        const %mean: f32[16] = random
        const %var: f32[16] = uniform(0.5,2)
        const %ax: i64[1] = [0]
        const %m: i64[1] = [-1]
        %c = Conv(%x, %w) {pads=[1,1,1,1]}
        %bn = BatchNormalization(%c, %scale, %bias, %mean, %var)
        %r = Relu(%bn)
        %s = Shape(%r)
        %n = Gather(%s, %ax) {axis=0}
        %cat = Concat(%n, %m) {axis=0}
        %f = Reshape(%r, %cat)
        %i = Identity(%f)
        %e = Exp(%i)
        %y = Neg(%e)
        output %y
        """;

    [Fact]
    public void O2_RunsEveryPass_AndRecordsNodeCounts()
    {
        var lines = new List<string>();
        var ctx = new PassContext { Verify = true, Progress = new SyncProgress(lines) };
        var g = PassAssert.Rewrites(Model,
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %b: f32[16] = random
            const %k: i64[2] = [1,-1]
            %r = Conv(%x, %w, %b) {pads=[1,1,1,1], webdnn.epilogue=Relu(in0), webdnn.epilogue_first=3}
            %f = Reshape(%r, %k)
            %y = com.webdnn.Elementwise(%f) {expr=Neg(Exp(in0))}
            output %y
            """,
            [.. Pipelines.O2()]);
        var g2 = PassAssert.Load(Model);
        var records = Pipelines.Run(g2, "O2", ctx);
        Assert.Equal(Pipelines.O2().Select(p => p.Name), records.Select(r => r.Pass));
        Assert.Equal(g.Nodes.Count, records[^1].NodeCount);
        Assert.Equal(records.Count, lines.Count);
        Assert.StartsWith("[1/", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void O0_OnlyFoldsAndCleans()
    {
        var g = PassAssert.Load(Model);
        var records = Pipelines.Run(g, "-O0", new PassContext { Verify = true });
        Assert.Equal(["infer-shapes", "fold-constants", "remove-dead-nodes"], records.Select(r => r.Pass));
        Assert.Contains(g.Nodes, n => n.OpType == "BatchNormalization");
        Assert.DoesNotContain(g.Nodes, n => n.OpType is "Shape" or "Gather" or "Concat");
    }

    [Fact]
    public void UnknownLevel_IsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => Pipelines.Run(new Graph(), "O9", new PassContext()));
        Assert.Contains("O2", e.Message, StringComparison.Ordinal);
    }

    /// <summary>IProgress that records synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
