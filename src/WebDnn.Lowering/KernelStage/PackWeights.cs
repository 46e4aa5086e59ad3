using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Base of a backend's weight-packing pass: stores input 1 (the weight) of the kernels it chooses in the form the
/// chosen kernel reads, at compile time, as a new weight buffer (the original stays only while another kernel reads it).
/// Runs only when the target allows repacking (<see cref="Target.RepackWeights"/>). Packing the same weight the same way
/// twice gives one buffer.
/// </summary>
public abstract class PackWeights : IKernelPass
{
    public abstract string Name { get; }

    /// <summary>The packed weight and the name of its form, or null to leave <paramref name="k"/> as it is.</summary>
    protected abstract (Tensor Packed, string Form)? Pack(Kernel k, Tensor weight);

    public void Run(TargetProgram tp)
    {
        if (!tp.Target.RepackWeights)
        {
            return;
        }
        var p = tp.Program;
        var made = new Dictionary<(int, string), KernelBuffer>();
        for (int i = 0; i < p.Kernels.Count; i++)
        {
            var k = p.Kernels[i];
            if (k.Inputs.Length < 2 || k.Inputs[1] is not { Kind: BufferKind.Weight, AliasOf: null, Weight: { } w } src || Pack(k, w) is not { } packed)
            {
                continue;
            }
            if (!made.TryGetValue((src.Id, packed.Form), out var b))
            {
                b = p.NewBuffer(packed.Packed.DataType, packed.Packed.Shape, BufferKind.Weight);
                b.Weight = packed.Packed;
                made[(src.Id, packed.Form)] = b;
            }
            var inputs = k.Inputs.ToArray();
            inputs[1] = b;
            p.Kernels[i] = k with { Inputs = inputs, WeightLayout = packed.Form };
        }
    }
}
