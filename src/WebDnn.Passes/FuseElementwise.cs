using WebDnn.Core;
using WebDnn.Ops;
using WebDnn.Ops.Fused;

namespace WebDnn.Passes;

/// <summary>
/// Fuses elementwise ops (<see cref="ElementwiseOp"/>s whose <see cref="OpDef.Fusion"/> is ElementWise or Broadcast).
/// First every region that follows an epilogue-capable op (Conv, ConvTranspose, Gemm, MatMul) goes into its epilogue,
/// as in <see cref="FuseActivations"/> but with any elementwise op; then the remaining regions of two or more nodes
/// become one com.webdnn.Elementwise node (<see cref="FusedElementwise"/>, attribute "expr"). Region rules
/// (<see cref="ElementwiseRegions"/>): one value leaves the region; the fused node's output shape equals the broadcast
/// of its inputs (checked; one-element constants are inlined only when that keeps it so); at most
/// <see cref="ElementwiseRegions.MaxInputs"/> inputs and <see cref="ElementwiseRegions.MaxExprSize"/> expression nodes.
/// </summary>
/// <remarks>Must run after FuseActivations and RecognizeLayerNorm (both match unfused elementwise nodes) and FoldConstants
/// (an all-constant region would be fused instead of folded).</remarks>
public sealed class FuseElementwise : IGraphPass
{
    public string Name => "fuse-elementwise";

    public void Run(Graph g, PassContext ctx)
    {
        var engine = new ElementwiseRegions { Allowed = _ => true, MaxInputs = ElementwiseRegions.ForTarget(ctx.Target) };
        engine.FuseIntoEpilogues(g);
        engine.FuseStandalone(g);
    }
}
