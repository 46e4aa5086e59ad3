using WebDnn.Backends.Wasm.Kernels;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Backends.Wasm;

/// <summary>
/// Packs, at compile time, the weights of the kernels the wasm backend runs natively into the panel layout of its GEMM
/// microkernel: a conv weight [M, C, kh, kw] (A of the GEMM) into [⌈M/MR⌉][C·kh·kw][MR] (stored with the shape
/// [⌈M/MR⌉·MR, C, kh, kw], zero rows at the end), a constant 2-d matmul B [K, N] into [⌈N/NR⌉][K][NR] (stored as
/// [K, ⌈N/NR⌉·NR], zero columns at the end); a Winograd conv weight into its α² transformed A matrices
/// (<see cref="WinogradWasm.PackWeight"/>). The microkernel then reads both with unit stride. Only this backend's
/// package entry lists the packed shards, so a user downloads each weight once.
/// </summary>
public sealed class WasmPackWeights : PackWeights
{
    /// <summary>Form of a packed conv weight.</summary>
    public const string PanelsA = "wasm-panels-a4";

    /// <summary>Form of a packed matmul B.</summary>
    public const string PanelsB = "wasm-panels-b8";

    public override string Name => "pack-weights-wasm";

    protected override (Tensor Packed, string Form)? Pack(Kernel k, Tensor weight)
    {
        if (weight.DataType != DataType.Float32)
        {
            return null;
        }
        switch (k)
        {
            case ConvKernel c when WinogradWasm.Fits(c) && c.WeightLayout is null:
                return WinogradWasm.PackWeight(c, weight);
            case ConvKernel c when ConvWasm.Supports(c) && c.WeightLayout is null:
                {
                    var s = weight.Shape;
                    int m = s[0], kk = s[1] * s[2] * s[3], mp = ConvWasm.RoundUp(m, GemmEmitter.MR);
                    var src = weight.ToFloats();
                    var dst = new float[(long)mp * kk];
                    for (int i = 0; i < m; i++)
                    {
                        int panel = i / GemmEmitter.MR, r = i % GemmEmitter.MR;
                        for (int j = 0; j < kk; j++)
                        {
                            dst[((long)panel * kk + j) * GemmEmitter.MR + r] = src[(long)i * kk + j];
                        }
                    }
                    return (Tensor.FromFloats([mp, s[1], s[2], s[3]], dst), PanelsA);
                }
            case MatMulKernel mm when mm.WeightLayout is null && MatMulWasm.CanPackB(mm):
                {
                    var s = weight.Shape;
                    int kk = s[0], n = s[1], np = ConvWasm.RoundUp(n, GemmEmitter.NR);
                    var src = weight.ToFloats();
                    var dst = new float[(long)kk * np];
                    for (int j = 0; j < n; j++)
                    {
                        int panel = j / GemmEmitter.NR, c = j % GemmEmitter.NR;
                        for (int i = 0; i < kk; i++)
                        {
                            dst[((long)panel * kk + i) * GemmEmitter.NR + c] = src[(long)i * n + j];
                        }
                    }
                    return (Tensor.FromFloats([kk, np], dst), PanelsB);
                }
            default:
                return null;
        }
    }
}
