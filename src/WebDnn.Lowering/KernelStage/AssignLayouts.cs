using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Gives each 4-d conv/pool kernel the activation layout its target prefers (<see cref="Target.LayoutOf"/>) and inserts a
/// transposing copy only where two layouts meet. Buffers keep NCHW at the model's edges (inputs, outputs, weights),
/// wherever another buffer aliases them, and for every kernel that is not layout-aware. Same-shape elementwise kernels
/// (no broadcasting) follow their inputs, so conv → activation → conv chains stay in one layout.
/// </summary>
/// <remarks>
/// A buffer written in NHWC is a new buffer with the physical shape [N, H, W, C]; the original NCHW buffer stays in the
/// program and is filled by a conversion right before its first NCHW reader (or right after the producer, for edges
/// and aliased buffers). Each conversion is made once.
/// </remarks>
public sealed class AssignLayouts : IKernelPass
{
    public string Name => "assign-layouts";

    private static readonly HashSet<string> s_layoutAware = ["conv", "pool"];

    public void Run(TargetProgram tp)
    {
        var p = tp.Program;
        if (!p.Kernels.Any(k => IsSpatial4d(k) && tp.Target.LayoutOf(k.Primitive) != ActivationLayout.Nchw))
        {
            return;
        }
        var aliased = p.Buffers.Where(b => b.AliasOf is not null).Select(b => b.Root).ToHashSet();
        var nhwcOf = new Dictionary<KernelBuffer, KernelBuffer>();   // NCHW buffer → its NHWC twin
        var nchwReady = new HashSet<KernelBuffer>();                 // NCHW buffers that hold their data
        var producedNhwc = new HashSet<KernelBuffer>();              // NCHW buffers whose producer wrote the NHWC twin
        var output = new List<Kernel>(p.Kernels.Count);

        KernelBuffer AsNchw(KernelBuffer b)
        {
            if (producedNhwc.Contains(b) && nchwReady.Add(b))
            {
                output.Add(Convert(nhwcOf[b], b, toNhwc: false));
            }
            return b;
        }

        KernelBuffer AsNhwc(KernelBuffer b)
        {
            if (b.Shape.Length != 4)
            {
                return b;
            }
            if (!nhwcOf.TryGetValue(b, out var t))
            {
                t = p.NewBuffer(b.DataType, Nhwc(b.Shape), BufferKind.Activation);
                nhwcOf[b] = t;
                output.Add(Convert(b, t, toNhwc: true));
            }
            return t;
        }

        foreach (var k in p.Kernels)
        {
            var want = WantedLayout(k, tp.Target, producedNhwc);
            if (want == ActivationLayout.Nchw)
            {
                output.Add(k with { Inputs = [.. k.Inputs.Select(AsNchw)] });
                nchwReady.UnionWith(k.Outputs);
                continue;
            }
            var inputs = k.Inputs.Select((b, i) => IsActivationOperand(k, i) ? AsNhwc(b) : AsNchw(b)).ToArray();
            var outs = new KernelBuffer[k.Outputs.Length];
            var immediate = new List<KernelBuffer>();
            for (int i = 0; i < outs.Length; i++)
            {
                var o = k.Outputs[i];
                var t = p.NewBuffer(o.DataType, Nhwc(o.Shape), BufferKind.Activation);
                nhwcOf[o] = t;
                producedNhwc.Add(o);
                outs[i] = t;
                if (o.Kind != BufferKind.Activation || aliased.Contains(o.Root) || o.AliasOf is not null)
                {
                    immediate.Add(o);
                }
            }
            output.Add(k with { Inputs = inputs, Outputs = outs, Layout = ActivationLayout.Nhwc });
            foreach (var o in immediate)
            {
                AsNchw(o);
            }
        }
        p.Kernels.Clear();
        p.Kernels.AddRange(output);
    }

    private static ActivationLayout WantedLayout(Kernel k, Target target, HashSet<KernelBuffer> producedNhwc)
    {
        if (IsSpatial4d(k))
        {
            return target.LayoutOf(k.Primitive);
        }
        // Same-shape elementwise kernels are layout-agnostic: follow an NHWC input.
        if (k is ElementwiseKernel && k.Output.Shape.Length == 4 && k.Inputs.All(b => b.Shape.SequenceEqual(k.Output.Shape))
            && k.Inputs.Any(producedNhwc.Contains))
        {
            return ActivationLayout.Nhwc;
        }
        return ActivationLayout.Nchw;
    }

    private static bool IsSpatial4d(Kernel k) => s_layoutAware.Contains(k.Primitive) && k.Inputs[0].Shape.Length == 4 && k.Output.Shape.Length == 4;

    /// <summary>Which inputs are activations in the kernel's layout: X, and the epilogue operands of a conv; all inputs of an elementwise kernel.</summary>
    private static bool IsActivationOperand(Kernel k, int i) => k switch
    {
        ConvKernel c => i == 0 || (c.Epilogue is not null && i >= c.EpilogueFirstInput && k.Inputs[i].Shape.SequenceEqual(k.Output.Shape)),
        ElementwiseKernel => true,
        _ => i == 0,
    };

    public static int[] Nhwc(int[] nchw) => nchw.Length == 4 ? [nchw[0], nchw[2], nchw[3], nchw[1]] : nchw;

    /// <summary>A copy kernel that transposes <paramref name="from"/> into <paramref name="to"/> (NCHW ↔ NHWC).</summary>
    public static CopyKernel Convert(KernelBuffer from, KernelBuffer to, bool toNhwc)
    {
        // Iterate over the destination's axes; InAxis maps each to the source axis it reads.
        int[] inAxis = toNhwc ? [0, 2, 3, 1] : [0, 3, 1, 2];
        var shape = to.Shape;
        var strides = new int[4];
        for (int i = 3, s = 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return new CopyKernel(shape, from.Shape, inAxis, [1, 1, 1, 1], [0, 0, 0, 0], 0, strides, PadMode.None, 0)
        {
            Inputs = [from],
            Outputs = [to],
            Origin = toNhwc ? "layout: NCHW→NHWC" : "layout: NHWC→NCHW",
        };
    }
}
