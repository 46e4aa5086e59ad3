using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class FoldConstantsTests
{
    [Fact]
    public void ConstantArithmetic_BecomesOneConstant()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[4]
            const %a: f32[4] = [1,2,3,4]
            const %b: f32[] = 2.0
            %c = Add(%a, %b)
            %d = Neg(%c)
            %y = Mul(%x, %d)
            output %y
            """,
            """
            input %x: f32[4]
            const %k: f32[4] = [-3,-4,-5,-6]
            %y = Mul(%x, %k)
            output %y
            """,
            new FoldConstants(), new RemoveDeadNodes());
    }

    [Fact]
    public void ConstantNode_BecomesConstantValue()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[3]
            %c = Constant() {value_float=0.25}
            %y = Mul(%x, %c)
            output %y
            """,
            """
            input %x: f32[3]
            const %k: f32[] = 0.25
            %y = Mul(%x, %k)
            output %y
            """,
            new FoldConstants());
    }

    [Fact]
    public void StaticShapeSubgraph_CollapsesIntoReshapeConstant()
    {
        // Shape → Gather → Unsqueeze → Concat → Reshape, as exporters write x.view(x.size(0), -1).
        PassAssert.Rewrites(
            """
            input %x: f32[2,3,4]
            const %i: i64[] = 0
            const %ax: i64[1] = [0]
            const %m: i64[1] = [-1]
            %s = Shape(%x)
            %g = Gather(%s, %i) {axis=0}
            %u = Unsqueeze(%g, %ax)
            %cat = Concat(%u, %m) {axis=0}
            %y = Reshape(%x, %cat)
            %z = Relu(%y)
            output %z
            """,
            """
            input %x: f32[2,3,4]
            const %k: i64[2] = [2,-1]
            %y = Reshape(%x, %k)
            %z = Relu(%y)
            output %z
            """,
            new FoldConstants(), new RemoveDeadNodes());
    }

    [Fact]
    public void SymbolicShape_FoldsOnlyTheStaticSlice()
    {
        var g = PassAssert.Load(
            """
            input %x: f32[N,3,4]
            const %m: i64[1] = [-1]
            %s = Shape(%x) {start=1}
            %all = Shape(%x)
            %cat = Concat(%m, %s) {axis=0}
            %y = Reshape(%x, %cat)
            output %y
            output %all
            """);
        new FoldConstants().Run(g, new PassContext());
        new RemoveDeadNodes().Run(g, new PassContext());
        Assert.Equal(GraphText.Print(PassAssert.Load(
            """
            input %x: f32[N,3,4]
            const %k: i64[3] = [-1,3,4]
            %y = Reshape(%x, %k)
            %all = Shape(%x)
            output %y
            output %all
            """)), GraphText.Print(g));
    }

    [Fact]
    public void OutputsOverTheSizeLimit_StayComputed()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[4]
            const %a: f32[4] = [1,2,3,4]
            const %b: f32[4] = [1,1,1,1]
            %c = Add(%a, %b)
            %y = Mul(%x, %c)
            output %y
            """,
            new FoldConstants { MaxBytes = 8 });
    }

    [Fact]
    public void FoldedGraphOutput_KeepsItsName()
    {
        var g = PassAssert.Rewrites(
            """
            input %x: f32[2]
            const %a: f32[2] = [1,2]
            %y = Relu(%x)
            %c = Neg(%a)
            output %y
            output %c
            """,
            """
            input %x: f32[2]
            const %c: f32[2] = [-1,-2]
            %y = Relu(%x)
            output %y
            output %c
            """,
            new FoldConstants());
        Assert.Equal("c", g.Outputs[1].Name);
    }
}
